# expect: TVL014
# style: Checkpointer utility class + fine-tuning script for a recommender (NCF); path from sys.argv
# bug: Checkpointer.restore calls torch.load(path, weights_only=False) to get optimizer state too, and the path comes from sys.argv.
import random
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class Checkpointer:
    def __init__(self, save_dir, model, optimizer):
        self.save_dir, self.model, self.optimizer = save_dir, model, optimizer
        os.makedirs(save_dir, exist_ok=True)

    def save(self, name, **extra):
        payload = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(), **extra}
        torch.save(payload, os.path.join(self.save_dir, name))

    def restore(self, path):
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
        self.model.load_state_dict(ckpt["model"])
        if "optimizer" in ckpt:
            self.optimizer.load_state_dict(ckpt["optimizer"])
        return ckpt.get("iteration", 0)


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, d=32, layers=(64, 32, 16)):
        super().__init__()
        self.gmf_u, self.gmf_i = nn.Embedding(n_users, d), nn.Embedding(n_items, d)
        self.mlp_u, self.mlp_i = nn.Embedding(n_users, d), nn.Embedding(n_items, d)
        mlp, prev = [], 2 * d
        for h in layers:
            mlp += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        self.mlp = nn.Sequential(*mlp)
        self.out = nn.Linear(d + prev, 1)

    def forward(self, u, i):
        g = self.gmf_u(u) * self.gmf_i(i)
        m = self.mlp(torch.cat([self.mlp_u(u), self.mlp_i(i)], -1))
        return self.out(torch.cat([g, m], -1)).squeeze(-1)


def main(argv):
    init_ckpt = argv[1] if len(argv) > 1 else None
    n_users, n_items = 6000, 4000
    model = NeuMF(n_users, n_items)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ckpt = Checkpointer("checkpoints/neumf", model, opt)
    it = ckpt.restore(init_ckpt) if init_ckpt else 0

    u = torch.randint(0, n_users, (50000,))
    i = torch.randint(0, n_items, (50000,))
    y = (torch.rand(50000) < 0.2).float()
    dl = DataLoader(TensorDataset(u, i, y), batch_size=1024, shuffle=True)
    for epoch in range(5):
        model.train()
        tot = 0.0
        for ub, ib, yb in dl:
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(ub, ib), yb)
            loss.backward()
            opt.step()
            tot += loss.item()
            it += 1
        print(f"epoch {epoch} bce {tot / len(dl):.4f}")
        ckpt.save(f"neumf_{epoch}.pt", iteration=it)


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main(sys.argv)
