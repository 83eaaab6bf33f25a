# expect: clean
# style: containerised training job configured through environment variables (INIT_CKPT, OUTPUT_DIR), recommender matrix factorisation
# note: the checkpoint path comes from the environment, but load_init() calls torch.load(..., weights_only=True) and only restores tensors from a state_dict
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("mf")

N_USERS = int(os.environ.get("N_USERS", 6000))
N_ITEMS = int(os.environ.get("N_ITEMS", 4000))
EPOCHS = int(os.environ.get("EPOCHS", 10))
LR = float(os.environ.get("LR", 5e-3))
OUTPUT_DIR = os.environ.get("OUTPUT_DIR", "/tmp/mf_out")


class BiasedMF(nn.Module):
    def __init__(self, n_users, n_items, k=64):
        super().__init__()
        self.P, self.Q = nn.Embedding(n_users, k), nn.Embedding(n_items, k)
        self.bu, self.bi = nn.Embedding(n_users, 1), nn.Embedding(n_items, 1)
        self.mu = nn.Parameter(torch.tensor(3.5))
        nn.init.normal_(self.P.weight, std=0.05)
        nn.init.normal_(self.Q.weight, std=0.05)
        nn.init.zeros_(self.bu.weight)
        nn.init.zeros_(self.bi.weight)

    def forward(self, u, i):
        return self.mu + self.bu(u).squeeze(-1) + self.bi(i).squeeze(-1) + (self.P(u) * self.Q(i)).sum(-1)


def load_init(model):
    path = os.environ.get("INIT_CKPT")
    if not path:
        return False
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state.get("model", state))
    log.info("warm-started from %s", path)
    return True


def synth_ratings(n=300000, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randint(0, N_USERS, (n,), generator=g)
    i = torch.randint(0, N_ITEMS, (n,), generator=g)
    r = (3.5 + 0.5 * torch.sin(u.float()) + 0.5 * torch.cos(i.float()) + 0.3 * torch.randn(n, generator=g)).clamp(1, 5)
    return u, i, r


def main():
    logging.basicConfig(level=logging.INFO)
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    u, i, r = synth_ratings()
    cut = int(0.9 * len(r))
    train_loader = DataLoader(TensorDataset(u[:cut], i[:cut], r[:cut]), batch_size=4096, shuffle=True)
    test_loader = DataLoader(TensorDataset(u[cut:], i[cut:], r[cut:]), batch_size=16384)
    model = BiasedMF(N_USERS, N_ITEMS)
    load_init(model)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for epoch in range(EPOCHS):
        model.train()
        for ub, ib, rb in train_loader:
            pred = model(ub, ib)
            loss = F.mse_loss(pred, rb) + 1e-5 * (model.P(ub).pow(2).sum() + model.Q(ib).pow(2).sum()) / len(rb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            se = sum(((model(ub, ib).clamp(1, 5) - rb) ** 2).sum().item() for ub, ib, rb in test_loader)
        log.info("epoch %d test RMSE %.4f", epoch, (se / (len(r) - cut)) ** 0.5)
        torch.save({"model": model.state_dict(), "epoch": epoch}, os.path.join(OUTPUT_DIR, "mf.pt"))


if __name__ == "__main__":
    main()
