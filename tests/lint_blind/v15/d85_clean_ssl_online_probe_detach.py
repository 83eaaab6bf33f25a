# expect: clean
# style: BYOL-style self-supervised training with an online linear probe (solo-learn style) in a single module class
# note: the backbone features are .detach()ed before the online classifier and the target projections are detached — this looks like cutting the graph, but the main BYOL loss still flows from the online predictor through the backbone; the detach only stops the probe's CE and the target branch from training the backbone
import argparse
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("byol")


def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, o))


class BYOL(nn.Module):
    def __init__(self, n_classes=10, feat=256, proj=128, tau=0.99):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, feat, 3, 1, 1), nn.BatchNorm2d(feat), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.projector = mlp(feat, 512, proj)
        self.predictor = mlp(proj, 512, proj)
        self.target_backbone = copy.deepcopy(self.backbone).requires_grad_(False)
        self.target_projector = copy.deepcopy(self.projector).requires_grad_(False)
        self.classifier = nn.Linear(feat, n_classes)
        self.tau = tau

    @torch.no_grad()
    def momentum_update(self):
        for online, target in ((self.backbone, self.target_backbone), (self.projector, self.target_projector)):
            for po, pt in zip(online.parameters(), target.parameters()):
                pt.mul_(self.tau).add_(po.detach(), alpha=1 - self.tau)

    @staticmethod
    def regression(p, z):
        return 2 - 2 * F.cosine_similarity(p, z.detach(), dim=-1).mean()

    def training_step(self, x1, x2, y):
        f1, f2 = self.backbone(x1), self.backbone(x2)
        p1, p2 = self.predictor(self.projector(f1)), self.predictor(self.projector(f2))
        with torch.no_grad():
            z1 = self.target_projector(self.target_backbone(x1))
            z2 = self.target_projector(self.target_backbone(x2))
        byol = self.regression(p1, z2) + self.regression(p2, z1)
        logits = self.classifier(f1.detach())
        probe = F.cross_entropy(logits, y)
        acc = (logits.argmax(1) == y).float().mean()
        return byol + probe, byol.item(), probe.item(), acc.item()


def augment(x):
    flip = torch.rand(x.size(0), 1, 1, 1) < 0.5
    x = torch.where(flip, x.flip(3), x)
    return x * (0.8 + 0.4 * torch.rand(x.size(0), 3, 1, 1)) + 0.05 * torch.randn_like(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    x = torch.randn(8000, 3, 32, 32)
    y = torch.randint(0, 10, (8000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=256, shuffle=True, drop_last=True)
    model = BYOL()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-5)
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in loader:
            loss, byol, probe, acc = model.training_step(augment(xb), augment(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.momentum_update()
        log.info("epoch %d byol %.4f probe_ce %.4f probe_acc %.3f", epoch, byol, probe, acc)
    torch.save(model.state_dict(), "byol.pt")


if __name__ == "__main__":
    main()
