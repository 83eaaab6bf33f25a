# expect: clean
# style: LightningModule-like PointNet classifier (training_step / validation_step / configure_optimizers returning an lr_scheduler dict) run by a hand-written loop
# note: the loop honours the scheduler's "interval" (epoch), calls module.train() before training and module.eval() inside validate(); the module calls self(x), never forward()
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PointNetModule(nn.Module):
    def __init__(self, n_classes=40, lr=1e-3):
        super().__init__()
        self.feat = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 256, 1), nn.BatchNorm1d(256), nn.ReLU())
        self.cls = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.4), nn.Linear(128, n_classes))
        self.lr = lr

    def forward(self, pts):
        return self.cls(self.feat(pts).max(-1).values)

    def training_step(self, batch, batch_idx):
        pts, y = batch
        return F.cross_entropy(self(pts), y, label_smoothing=0.2)

    def validation_step(self, batch, batch_idx):
        pts, y = batch
        return (self(pts).argmax(-1) == y).sum()

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.7)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}


def validate(module, loader):
    module.eval()
    with torch.no_grad():
        correct = sum(module.validation_step(b, i).item() for i, b in enumerate(loader))
    return correct / len(loader.dataset)


def fit(module, train_loader, val_loader, max_epochs):
    conf = module.configure_optimizers()
    opt, sched_cfg = conf["optimizer"], conf["lr_scheduler"]
    for epoch in range(max_epochs):
        module.train()
        for i, batch in enumerate(train_loader):
            loss = module.training_step(batch, i)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched_cfg["interval"] == "step":
                sched_cfg["scheduler"].step()
        if sched_cfg["interval"] == "epoch":
            sched_cfg["scheduler"].step()
        print(f"epoch {epoch}: loss {loss.item():.4f} val_acc {validate(module, val_loader):.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_epochs", type=int, default=60)
    args = ap.parse_args()
    pts, y = torch.randn(1200, 3, 1024), torch.randint(0, 40, (1200,))
    train_loader = DataLoader(TensorDataset(pts[:1000], y[:1000]), batch_size=32, shuffle=True, drop_last=True)
    val_loader = DataLoader(TensorDataset(pts[1000:], y[1000:]), batch_size=64)
    fit(PointNetModule(), train_loader, val_loader, args.max_epochs)
