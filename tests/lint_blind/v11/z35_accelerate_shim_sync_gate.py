# expect: TVL011
# style: small accelerate-like shim (Accelerator.clip_grad_norm_, sync_gradients) for a recommender
# bug: the shim's `clip_grad_norm_` returns the norm and the loop only steps when `norm < cfg.skip_above`; skipped updates are dropped without any counter or log
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFG = dict(n_users=2000, n_items=3000, dim=48, lr=5e-3, bs=1024, epochs=5, max_norm=5.0, skip_above=50.0)


class Accelerator:
    def __init__(self, device="cpu"):
        self.device = torch.device(device)

    def prepare(self, *objs):
        return tuple(o.to(self.device) if isinstance(o, nn.Module) else o for o in objs)

    def backward(self, loss):
        loss.backward()

    def clip_grad_norm_(self, params, max_norm):
        return nn.utils.clip_grad_norm_(params, max_norm)

    def print(self, *a):
        print(*a)


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, dim):
        super().__init__()
        self.u_gmf, self.i_gmf = nn.Embedding(n_users, dim), nn.Embedding(n_items, dim)
        self.u_mlp, self.i_mlp = nn.Embedding(n_users, dim), nn.Embedding(n_items, dim)
        self.mlp = nn.Sequential(nn.Linear(2 * dim, dim), nn.ReLU(), nn.Linear(dim, dim // 2), nn.ReLU())
        self.out = nn.Linear(dim + dim // 2, 1)

    def forward(self, u, i):
        gmf = self.u_gmf(u) * self.i_gmf(i)
        mlp = self.mlp(torch.cat([self.u_mlp(u), self.i_mlp(i)], -1))
        return self.out(torch.cat([gmf, mlp], -1)).squeeze(-1)


def build(cfg):
    n = 50000
    u = torch.randint(0, cfg["n_users"], (n,))
    i = torch.randint(0, cfg["n_items"], (n,))
    y = ((u + i) % 7 == 0).float()
    loader = DataLoader(TensorDataset(u, i, y), batch_size=cfg["bs"], shuffle=True)
    model = NeuMF(cfg["n_users"], cfg["n_items"], cfg["dim"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    return model, opt, loader


def main(cfg):
    acc = Accelerator()
    model, opt, loader = build(cfg)
    model, opt = acc.prepare(model, opt)
    for epoch in range(cfg["epochs"]):
        model.train()
        total = 0.0
        for u, i, y in loader:
            logits = model(u, i)
            loss = F.binary_cross_entropy_with_logits(logits, y)
            opt.zero_grad()
            acc.backward(loss)
            norm = acc.clip_grad_norm_(model.parameters(), cfg["max_norm"])
            if norm < cfg["skip_above"]:
                opt.step()
            total += loss.item()
        acc.print(f"epoch {epoch} bce {total/len(loader):.4f}")


if __name__ == "__main__":
    main(CFG)
