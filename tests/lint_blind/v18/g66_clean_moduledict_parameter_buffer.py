# expect: clean
# style: multi-domain recommender with per-domain towers in nn.ModuleDict, a learnable temperature and a fixed buffer
# note: sub-modules are created in a loop and tensors are set as attributes, which looks like TVL005, but towers live in nn.ModuleDict, the temperature is an nn.Parameter, and the non-trainable popularity prior is a registered buffer (a constant on purpose).
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("mdrec")
DOMAINS = ["books", "movies", "music"]


class Clicks(Dataset):
    def __init__(self, n, n_users, n_items, seed):
        rng = np.random.default_rng(seed)
        self.u = rng.integers(0, n_users, n)
        self.i = rng.integers(0, n_items, n)
        self.d = rng.integers(0, len(DOMAINS), n)
        self.y = (((self.u % 7) == (self.i % 7)) | (rng.random(n) < 0.05)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, k):
        return int(self.u[k]), int(self.i[k]), int(self.d[k]), float(self.y[k])


class MultiDomainRec(nn.Module):
    def __init__(self, n_users, n_items, item_pop, dim=32):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        self.towers = nn.ModuleDict({
            d: nn.Sequential(nn.Linear(2 * dim, 64), nn.ReLU(), nn.Linear(64, 1)) for d in DOMAINS
        })
        self.log_temp = nn.Parameter(torch.zeros(()))
        self.register_buffer("log_pop", torch.log(torch.as_tensor(item_pop, dtype=torch.float32) + 1.0))

    def forward(self, u, i, d):
        h = torch.cat([self.user(u), self.item(i)], -1)
        out = torch.zeros(len(u), device=h.device)
        for k, name in enumerate(DOMAINS):
            m = d == k
            if m.any():
                out[m] = self.towers[name](h[m]).squeeze(-1)
        return out / self.log_temp.exp() - 0.1 * self.log_pop[i]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_ds = Clicks(60000, args.users, args.items, 0)
    pop = np.bincount(train_ds.i, minlength=args.items)
    train_dl = DataLoader(train_ds, batch_size=512, shuffle=True)
    val_dl = DataLoader(Clicks(8000, args.users, args.items, 1), batch_size=2048)
    model = MultiDomainRec(args.users, args.items, pop)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    log.info("registered params: %d tensors", len(list(model.parameters())))

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for u, i, d, y in train_dl:
            loss = F.binary_cross_entropy_with_logits(model(u, i, d), y.float())
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        correct = n = 0
        with torch.no_grad():
            for u, i, d, y in val_dl:
                correct += ((model(u, i, d) > 0).float() == y.float()).sum().item()
                n += len(y)
        log.info("epoch %d loss %.4f val_acc %.4f temp %.3f", epoch, tot / len(train_dl), correct / n,
                 model.log_temp.exp().item())
    torch.save(model.state_dict(), "mdrec.pt")


if __name__ == "__main__":
    main()
