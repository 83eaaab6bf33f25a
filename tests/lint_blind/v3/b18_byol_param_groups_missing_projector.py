# expect: TVL006
# style: BYOL implementation (online encoder + projector + predictor, EMA target network) with optimizer groups from a config dict
# bug: the optimizer param groups listed in OPTIM_CFG cover encoder and predictor but not the online projector, which is trainable and receives gradients that are never applied
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

OPTIM_CFG = {
    "groups": [
        {"module": "online_encoder", "lr": 3e-4},
        {"module": "predictor", "lr": 3e-3},
    ],
    "weight_decay": 1.5e-6,
}


def mlp(dim, hidden, out):
    return nn.Sequential(nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out))


class BYOL(nn.Module):
    def __init__(self, feat_dim=512, proj_dim=128, tau=0.996):
        super().__init__()
        self.online_encoder = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, feat_dim), nn.ReLU())
        self.online_projector = mlp(feat_dim, 1024, proj_dim)
        self.predictor = mlp(proj_dim, 1024, proj_dim)
        self.target_encoder = copy.deepcopy(self.online_encoder).requires_grad_(False)
        self.target_projector = copy.deepcopy(self.online_projector).requires_grad_(False)
        self.tau = tau

    @torch.no_grad()
    def update_target(self):
        for online, target in ((self.online_encoder, self.target_encoder), (self.online_projector, self.target_projector)):
            for po, pt in zip(online.parameters(), target.parameters()):
                pt.mul_(self.tau).add_(po, alpha=1 - self.tau)

    def loss(self, v1, v2):
        p1 = self.predictor(self.online_projector(self.online_encoder(v1)))
        p2 = self.predictor(self.online_projector(self.online_encoder(v2)))
        with torch.no_grad():
            z1 = self.target_projector(self.target_encoder(v1))
            z2 = self.target_projector(self.target_encoder(v2))
        l = lambda p, z: 2 - 2 * F.cosine_similarity(p, z, dim=-1)
        return (l(p1, z2) + l(p2, z1)).mean()


def build_optimizer(model, cfg):
    groups = [{"params": getattr(model, g["module"]).parameters(), "lr": g["lr"]} for g in cfg["groups"]]
    return torch.optim.AdamW(groups, weight_decay=cfg["weight_decay"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=128)
    args = ap.parse_args()
    model = BYOL()
    optimizer = build_optimizer(model, OPTIM_CFG)
    loader = DataLoader(TensorDataset(torch.randn(2048, 3, 32, 32)), batch_size=args.batch_size, shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        model.train()
        for step, (x,) in enumerate(loader):
            v1 = x + 0.1 * torch.randn_like(x)
            v2 = x.flip(-1)
            loss = model.loss(v1, v2)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            model.update_target()
        print(f"epoch {epoch} byol loss {loss.item():.4f}")
