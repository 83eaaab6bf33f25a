# expect: clean
# style: Lightning-style LightningModule (training_step returns the loss; a small hand-written Trainer drives it)
# note: backward/step/zero_grad live in the Trainer helper, training_step/validation_step only return values; modes toggled per phase
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(nn.Module):
    def __init__(self, lr=1e-3):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 5))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        return (self(x).argmax(1) == y).float().sum()

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)


class MiniTrainer:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, module, train_dl, val_dl):
        optimizer, scheduler = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_dl):
                loss = module.training_step(batch, i)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            scheduler.step()
            module.eval()
            with torch.no_grad():
                correct = sum(module.validation_step(b, i).item() for i, b in enumerate(val_dl))
            print(f"epoch {epoch} train_loss {loss.item():.4f} val_acc {correct / len(val_dl.dataset):.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_epochs", type=int, default=10)
    args = ap.parse_args()
    tr = TensorDataset(torch.randn(1000, 32), torch.randint(0, 5, (1000,)))
    va = TensorDataset(torch.randn(200, 32), torch.randint(0, 5, (200,)))
    MiniTrainer(args.max_epochs).fit(LitClassifier(), DataLoader(tr, batch_size=32, shuffle=True),
                                     DataLoader(va, batch_size=64))


if __name__ == "__main__":
    main()
