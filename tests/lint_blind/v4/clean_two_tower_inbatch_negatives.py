# expect: clean
# style: retrieval two-tower recommender (YouTube-DNN/sampled-softmax with in-batch negatives), Keras-like fit()
# note: the score matrix is (B, B) on purpose and F.cross_entropy gets integer arange labels; the logQ correction uses a constant tensor; the training loader shuffles
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Tower(nn.Module):
    def __init__(self, n_ids, n_feats, dim=64):
        super().__init__()
        self.id_emb = nn.Embedding(n_ids, dim)
        self.feat = nn.Linear(n_feats, dim)
        self.mlp = nn.Sequential(nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, ids, feats):
        return F.normalize(self.mlp(self.id_emb(ids) + self.feat(feats)), dim=-1)


class Retriever(nn.Module):
    def __init__(self, n_users, n_items, temperature=0.05):
        super().__init__()
        self.query, self.candidate = Tower(n_users, 16), Tower(n_items, 8)
        self.temperature = temperature

    def forward(self, u, uf, i, itf):
        return self.query(u, uf) @ self.candidate(i, itf).t() / self.temperature

    def fit(self, loader, item_logq, epochs=3, lr=1e-3):
        opt = torch.optim.Adagrad(self.parameters(), lr=lr)
        for epoch in range(epochs):
            self.train()
            total, n = 0.0, 0
            for u, uf, i, itf in loader:
                scores = self(u, uf, i, itf) - item_logq[i][None, :]
                loss = F.cross_entropy(scores, torch.arange(scores.size(0)))
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item()
                n += 1
            print(f"Epoch {epoch + 1}/{epochs} - loss: {total / n:.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    N, U, I = 20000, 5000, 3000
    ds = TensorDataset(torch.randint(0, U, (N,)), torch.randn(N, 16), torch.randint(0, I, (N,)), torch.randn(N, 8))
    item_counts = torch.bincount(ds.tensors[2], minlength=I).float() + 1
    item_logq = (item_counts / item_counts.sum()).log()
    Retriever(U, I).fit(DataLoader(ds, batch_size=512, shuffle=True), item_logq, epochs=args.epochs)
