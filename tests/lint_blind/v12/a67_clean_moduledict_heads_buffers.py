# expect: clean
# style: multi-task recommender (CTR + watch time) with heads built by a helper returning nn.ModuleDict and running statistics in register_buffer
# note: heads come from a builder and tensors are kept as attributes, which resembles unregistered modules/params, but the heads are an nn.ModuleDict, the learnable temperature is nn.Parameter, and the non-learnable stats are registered buffers
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("mtl")

TASKS = {"ctr": "binary", "like": "binary", "watch_time": "regression"}


def build_heads(d, tasks):
    return nn.ModuleDict({name: nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 1)) for name in tasks})


class FeatureNormalizer(nn.Module):
    def __init__(self, n, momentum=0.01):
        super().__init__()
        self.register_buffer("mean", torch.zeros(n))
        self.register_buffer("var", torch.ones(n))
        self.momentum = momentum

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.mean.lerp_(x.mean(0), self.momentum)
                self.var.lerp_(x.var(0, unbiased=False), self.momentum)
        return (x - self.mean) / (self.var + 1e-5).sqrt()


class MultiTaskRec(nn.Module):
    def __init__(self, n_users, n_items, n_dense, d=64):
        super().__init__()
        self.user = nn.Embedding(n_users, d)
        self.item = nn.Embedding(n_items, d)
        self.dense_norm = FeatureNormalizer(n_dense)
        self.shared = nn.Sequential(nn.Linear(2 * d + n_dense, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU())
        self.heads = build_heads(128, TASKS)
        self.log_temp = nn.Parameter(torch.zeros(()))

    def forward(self, u, i, dense):
        h = self.shared(torch.cat([self.user(u), self.item(i), self.dense_norm(dense)], -1))
        return {k: head(h).squeeze(-1) / self.log_temp.exp() for k, head in self.heads.items()}


def loss_fn(out, targets):
    parts = {}
    for k, kind in TASKS.items():
        if kind == "binary":
            parts[k] = F.binary_cross_entropy_with_logits(out[k], targets[k])
        else:
            parts[k] = F.huber_loss(out[k], targets[k])
    return sum(parts.values()), {k: v.item() for k, v in parts.items()}


def main():
    n_users, n_items, n_dense = 20000, 50000, 12
    n = 200_000
    u = torch.randint(0, n_users, (n,))
    i = torch.randint(0, n_items, (n,))
    dense = torch.randn(n, n_dense) * 3 + 1
    ctr = (torch.rand(n) < 0.05).float()
    like = ctr * (torch.rand(n) < 0.3).float()
    watch = ctr * torch.rand(n) * 5
    loader = DataLoader(TensorDataset(u, i, dense, ctr, like, watch), batch_size=4096, shuffle=True)

    model = MultiTaskRec(n_users, n_items, n_dense)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    log.info("trainable tensors: %d, buffers: %d", len(list(model.parameters())), len(list(model.buffers())))
    for epoch in range(4):
        model.train()
        sums = {k: 0.0 for k in TASKS}
        for bu, bi, bd, c, l, w in loader:
            out = model(bu, bi, bd)
            loss, parts = loss_fn(out, {"ctr": c, "like": l, "watch_time": w})
            opt.zero_grad()
            loss.backward()
            opt.step()
            for k in parts:
                sums[k] += parts[k]
        log.info("epoch %d %s temp %.3f", epoch, {k: round(v / len(loader), 4) for k, v in sums.items()},
                 model.log_temp.exp().item())
    torch.save(model.state_dict(), "mtl_rec.pt")


if __name__ == "__main__":
    main()
