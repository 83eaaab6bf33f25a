# expect: TVL005
# style: recommender, multi-gate mixture-of-experts (MMoE) with experts keyed by name in a plain dict
# bug: the experts are held in a plain dict attribute self.experts = {...}; they are not registered sub-modules, so the optimizer never updates them and state_dict() drops them
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO, format="[%(levelname)s] %(message)s")
LOG = logging.getLogger("mmoe")

CONFIG = {
    "n_users": 50000,
    "n_items": 20000,
    "n_cats": 300,
    "emb_dim": 16,
    "expert_names": ["ctr", "cvr", "dwell", "shared"],
    "expert_hidden": 128,
    "tasks": ["click", "purchase"],
    "lr": 1e-3,
    "epochs": 3,
    "batch_size": 2048,
}


class ClickLog(Dataset):
    def __init__(self, n, cfg):
        self.u = torch.randint(0, cfg["n_users"], (n,))
        self.i = torch.randint(0, cfg["n_items"], (n,))
        self.c = torch.randint(0, cfg["n_cats"], (n,))
        self.click = (torch.rand(n) < 0.1).float()
        self.buy = self.click * (torch.rand(n) < 0.2).float()

    def __len__(self):
        return len(self.u)

    def __getitem__(self, k):
        return self.u[k], self.i[k], self.c[k], torch.stack([self.click[k], self.buy[k]])


class Expert(nn.Module):
    def __init__(self, d_in, d_hidden):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_hidden), nn.ReLU())

    def forward(self, x):
        return self.net(x)


class MMoE(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        e = cfg["emb_dim"]
        self.user_emb = nn.Embedding(cfg["n_users"], e)
        self.item_emb = nn.Embedding(cfg["n_items"], e)
        self.cat_emb = nn.Embedding(cfg["n_cats"], e)
        d_in = 3 * e
        self.expert_names = list(cfg["expert_names"])
        self.experts = {name: Expert(d_in, cfg["expert_hidden"]) for name in self.expert_names}
        self.gates = nn.ModuleDict({t: nn.Linear(d_in, len(self.expert_names)) for t in cfg["tasks"]})
        self.towers = nn.ModuleDict({t: nn.Sequential(nn.Linear(cfg["expert_hidden"], 64), nn.ReLU(), nn.Linear(64, 1))
                                     for t in cfg["tasks"]})
        self.tasks = list(cfg["tasks"])

    def forward(self, u, i, c):
        x = torch.cat([self.user_emb(u), self.item_emb(i), self.cat_emb(c)], dim=-1)
        expert_out = torch.stack([self.experts[n](x) for n in self.expert_names], dim=1)
        logits = []
        for t in self.tasks:
            w = F.softmax(self.gates[t](x), dim=-1).unsqueeze(-1)
            logits.append(self.towers[t]((w * expert_out).sum(1)).squeeze(-1))
        return torch.stack(logits, dim=-1)


def train(cfg):
    model = MMoE(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    LOG.info("model params: %d", n_params)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    loader = DataLoader(ClickLog(200_000, cfg), batch_size=cfg["batch_size"], shuffle=True, drop_last=True)
    task_w = torch.tensor([1.0, 5.0])
    for epoch in range(cfg["epochs"]):
        model.train()
        t0, tot, nb = time.time(), 0.0, 0
        for u, i, c, y in loader:
            logits = model(u, i, c)
            per_task = F.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(0)
            loss = (per_task * task_w).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item()
            nb += 1
        LOG.info("epoch %d loss %.5f (%.1fs)", epoch, tot / nb, time.time() - t0)
    torch.save(model.state_dict(), "mmoe.pt")
    return model


if __name__ == "__main__":
    train(CONFIG)
