# expect: clean
# style: Trainer class with fit() that chains an epoch-level StepLR and ReduceLROnPlateau on validation loss
# note: both schedulers are epoch schedulers and are stepped once per epoch after the batch loop; evaluate() switches to eval and the next epoch's train_epoch() switches back to train
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    def __init__(self, model, lr, step_size, gamma):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        self.step_lr = torch.optim.lr_scheduler.StepLR(self.optimizer, step_size=step_size, gamma=gamma)
        self.plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(self.optimizer, mode="min", factor=0.5, patience=3)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for x, y in loader:
            self.optimizer.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(y)
        return total / len(loader.dataset)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        total = sum(F.cross_entropy(self.model(x), y, reduction="sum").item() for x, y in loader)
        return total / len(loader.dataset)

    def fit(self, train_loader, val_loader, epochs):
        for epoch in range(epochs):
            tr = self.train_epoch(train_loader)
            va = self.evaluate(val_loader)
            self.step_lr.step()
            self.plateau.step(va)
            print(f"epoch {epoch:3d} train {tr:.4f} val {va:.4f} lr {self.optimizer.param_groups[0]['lr']:.5f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    mk = lambda n: TensorDataset(torch.randn(n, 30), torch.randint(0, 4, (n,)))
    model = nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 4))
    trainer = Trainer(model, args.lr, step_size=20, gamma=0.1)
    trainer.fit(DataLoader(mk(2000), batch_size=64, shuffle=True), DataLoader(mk(500), batch_size=256), args.epochs)
