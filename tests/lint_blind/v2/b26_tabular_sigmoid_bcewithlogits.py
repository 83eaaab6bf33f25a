# expect: TVL008
# style: Kaggle tabular binary-classification kernel (embeddings for categoricals + MLP)
# bug: the model applies sigmoid in forward and the kernel trains it with nn.BCEWithLogitsLoss
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CAT_CARDS = [12, 7, 31, 4]
N_NUM = 10


class TabNetLite(nn.Module):
    def __init__(self, cards, n_num, emb_dim=8):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, emb_dim) for c in cards])
        self.mlp = nn.Sequential(nn.Linear(len(cards) * emb_dim + n_num, 128), nn.ReLU(),
                                 nn.Dropout(0.2), nn.Linear(128, 1))

    def forward(self, x_cat, x_num):
        e = torch.cat([emb(x_cat[:, i]) for i, emb in enumerate(self.embs)], dim=1)
        return torch.sigmoid(self.mlp(torch.cat([e, x_num], dim=1))).squeeze(1)


def make_data(n=8000, seed=0):
    rng = np.random.default_rng(seed)
    x_cat = np.stack([rng.integers(0, c, n) for c in CAT_CARDS], 1)
    x_num = rng.normal(size=(n, N_NUM)).astype(np.float32)
    y = (x_num[:, 0] + (x_cat[:, 1] == 3) > 0.5).astype(np.float32)
    return torch.from_numpy(x_cat).long(), torch.from_numpy(x_num), torch.from_numpy(y)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--bs", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    CFG = ap.parse_args()
    x_cat, x_num, y = make_data()
    dl = DataLoader(TensorDataset(x_cat, x_num, y), batch_size=CFG.bs, shuffle=True)
    model = TabNetLite(CAT_CARDS, N_NUM)
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=CFG.lr)
    for epoch in range(CFG.epochs):
        model.train()
        tr_loss = []
        for xc, xn, yb in dl:
            preds = model(xc, xn)
            loss = criterion(preds, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tr_loss.append(loss.item())
        print(f"Epoch {epoch + 1} | train logloss {np.mean(tr_loss):.5f}")
