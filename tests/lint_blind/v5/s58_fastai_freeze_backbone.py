# expect: clean
# style: fastai-like Learner.freeze()/unfreeze() written by hand for transfer learning (two-stage fine-tuning of a 3D CNN video model)
# note: stage 1 freezes the body (requires_grad=False, BN kept in eval) and the optimizer only receives trainable params; stage 2 unfreezes and builds a new optimizer over all params with discriminative lrs
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Video3DNet(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv3d(3, 32, 3, padding=1), nn.BatchNorm3d(32), nn.ReLU(), nn.MaxPool3d(2),
            nn.Conv3d(32, 64, 3, padding=1), nn.BatchNorm3d(64), nn.ReLU(), nn.AdaptiveAvgPool3d(1))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, n_classes))

    def forward(self, x):
        return self.head(self.body(x))


class TransferLearner:
    def __init__(self, model, train_dl):
        self.model, self.train_dl = model, train_dl
        self.frozen = False

    def freeze(self):
        self.model.body.requires_grad_(False)
        self.frozen = True

    def unfreeze(self):
        self.model.body.requires_grad_(True)
        self.frozen = False

    def _make_opt(self, lr):
        if self.frozen:
            params = [p for p in self.model.parameters() if p.requires_grad]
            return torch.optim.AdamW(params, lr=lr)
        return torch.optim.AdamW([{"params": self.model.body.parameters(), "lr": lr / 10},
                                  {"params": self.model.head.parameters(), "lr": lr}])

    def fit(self, epochs, lr):
        opt = self._make_opt(lr)
        for epoch in range(epochs):
            self.model.train()
            if self.frozen:
                self.model.body.eval()
            for clips, y in self.train_dl:
                loss = F.cross_entropy(self.model(clips), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            print(f"{'frozen' if self.frozen else 'unfrozen'} epoch {epoch}: loss {loss.item():.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--frozen_epochs", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    clips, labels = torch.randn(128, 3, 8, 48, 48), torch.randint(0, 10, (128,))
    dl = DataLoader(TensorDataset(clips, labels), batch_size=8, shuffle=True)
    learn = TransferLearner(Video3DNet(10), dl)
    learn.freeze()
    learn.fit(args.frozen_epochs, args.lr)
    learn.unfreeze()
    learn.fit(args.epochs, args.lr / 2)
