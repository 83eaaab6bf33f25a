# expect: clean
# style: fastai-style fit_one_cycle hand-written, tabular regression with entity embeddings
# note: the scheduler is stepped every batch, which is right because OneCycleLR is sized with total_steps = epochs * len(loader); it is stepped after optimizer.step()
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tab")
CAT_CARDS = [7, 12, 31, 50]


class EntityEmbNet(nn.Module):
    def __init__(self, cards, n_cont, emb_drop=0.05):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, min(50, (c + 1) // 2)) for c in cards])
        n_emb = sum(e.embedding_dim for e in self.embs)
        self.emb_drop = nn.Dropout(emb_drop)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        self.layers = nn.Sequential(nn.Linear(n_emb + n_cont, 200), nn.ReLU(), nn.BatchNorm1d(200),
                                    nn.Linear(200, 100), nn.ReLU(), nn.BatchNorm1d(100), nn.Linear(100, 1))

    def forward(self, x_cat, x_cont):
        e = torch.cat([emb(x_cat[:, i]) for i, emb in enumerate(self.embs)], 1)
        return self.layers(torch.cat([self.emb_drop(e), self.bn_cont(x_cont)], 1)).squeeze(1)


def make_data(n, seed):
    rng = np.random.default_rng(seed)
    cats = np.stack([rng.integers(0, c, n) for c in CAT_CARDS], 1)
    cont = rng.normal(size=(n, 6)).astype(np.float32)
    y = (cats[:, 0] * 0.3 + cont[:, 0] * 2 + np.sin(cats[:, 2]) + rng.normal(0, 0.2, n)).astype(np.float32)
    return TensorDataset(torch.from_numpy(cats).long(), torch.from_numpy(cont), torch.from_numpy(y))


def fit_one_cycle(model, train_dl, valid_dl, epochs, max_lr, wd=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr / 25, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * len(train_dl),
                                                pct_start=0.25, div_factor=25.0)
    loss_fn = nn.MSELoss()
    for epoch in range(epochs):
        model.train()
        train_loss = 0.0
        for xc, xn, y in train_dl:
            pred = model(xc, xn)
            loss = loss_fn(pred, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            train_loss += loss.item() * len(y)
        model.eval()
        with torch.no_grad():
            se = sum(((model(xc, xn) - y) ** 2).sum().item() for xc, xn, y in valid_dl)
        log.info("epoch %d train_mse %.4f valid_rmse %.4f lr %.2e", epoch,
                 train_loss / len(train_dl.dataset), (se / len(valid_dl.dataset)) ** 0.5, sched.get_last_lr()[0])
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(make_data(40000, 0), batch_size=512, shuffle=True, drop_last=True)
    valid_dl = DataLoader(make_data(5000, 1), batch_size=2048)
    model = fit_one_cycle(EntityEmbNet(CAT_CARDS, 6), train_dl, valid_dl, epochs=6, max_lr=3e-3)
    torch.save(model.state_dict(), "entity_emb.pt")
