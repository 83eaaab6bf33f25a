# expect: TVL011
# style: Trainer + GradGuard helper class, point-cloud classification (PointNet-lite)
# bug: GradGuard.should_step() returns False when the total grad norm exceeds a spike threshold and Trainer.step() silently skips optimizer.step(); nothing counts or reports the skipped updates
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("pointnet")


class GradGuard:
    """Skip updates whose gradient norm spikes far above the running average."""

    def __init__(self, factor=5.0, momentum=0.98):
        self.factor = factor
        self.momentum = momentum
        self.avg = None

    @staticmethod
    def total_norm(params):
        norms = [p.grad.detach().norm(2) for p in params if p.grad is not None]
        return torch.norm(torch.stack(norms), 2).item() if norms else 0.0

    def should_step(self, params):
        norm = self.total_norm(params)
        if not math.isfinite(norm):
            return False
        if self.avg is None:
            self.avg = norm
            return True
        ok = norm <= self.factor * self.avg
        if ok:
            self.avg = self.momentum * self.avg + (1 - self.momentum) * norm
        return ok


class PointNetLite(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 512, 1), nn.BatchNorm1d(512), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4),
                                  nn.Linear(256, n_classes))

    def forward(self, pts):
        return self.head(self.mlp1(pts.transpose(1, 2)).amax(-1))


class Trainer:
    def __init__(self, model, lr=1e-3, epochs=30):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
        self.sched = torch.optim.lr_scheduler.StepLR(self.opt, step_size=20, gamma=0.5)
        self.guard = GradGuard()
        self.epochs = epochs

    def step(self, pts, labels):
        logits = self.model(pts)
        loss = F.cross_entropy(logits, labels, label_smoothing=0.2)
        self.opt.zero_grad()
        loss.backward()
        if self.guard.should_step(self.model.parameters()):
            self.opt.step()
        return loss.item(), (logits.argmax(1) == labels).float().mean().item()

    def evaluate(self, loader):
        self.model.eval()
        hits = n = 0
        with torch.no_grad():
            for pts, y in loader:
                hits += (self.model(pts).argmax(1) == y).sum().item()
                n += len(y)
        self.model.train()
        return hits / n

    def fit(self, train_loader, val_loader):
        for epoch in range(self.epochs):
            self.model.train()
            stats = [self.step(p, y) for p, y in train_loader]
            self.sched.step()
            loss = sum(s[0] for s in stats) / len(stats)
            acc = sum(s[1] for s in stats) / len(stats)
            logger.info("epoch %d loss %.4f train_acc %.3f val_acc %.3f", epoch, loss, acc,
                        self.evaluate(val_loader))


def synthetic_clouds(n, n_points=512, n_classes=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, n_classes, (n,), generator=g)
    pts = torch.randn(n, n_points, 3, generator=g)
    scale = 1.0 + labels.float()[:, None, None] / n_classes
    pts = pts * scale * torch.tensor([1.0, 0.5, 0.25])
    return TensorDataset(pts, labels)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(synthetic_clouds(2000), batch_size=32, shuffle=True, drop_last=True)
    val_loader = DataLoader(synthetic_clouds(400, seed=1), batch_size=64)
    Trainer(PointNetLite()).fit(train_loader, val_loader)
