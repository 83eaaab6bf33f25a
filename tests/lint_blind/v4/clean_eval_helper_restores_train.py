# expect: clean
# style: research script (argparse + wandb-style logging dict) where validate() toggles eval() and restores train() itself
# note: the epoch loop never calls model.train() directly; validate() switches to eval() and puts the model back into train() before returning
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MLPMixerLite(nn.Module):
    def __init__(self, patches=16, dim=128, n_cls=10):
        super().__init__()
        self.embed = nn.Linear(48, dim)
        self.token_mix = nn.Sequential(nn.LayerNorm(patches), nn.Linear(patches, patches), nn.GELU())
        self.channel_mix = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(), nn.Dropout(0.1))
        self.head = nn.Linear(dim, n_cls)

    def forward(self, x):
        h = self.embed(x)
        h = h + self.token_mix(h.transpose(1, 2)).transpose(1, 2)
        h = h + self.channel_mix(h)
        return self.head(h.mean(1))


def validate(model, loader):
    was_training = model.training
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(-1) == y).sum().item()
            n += y.numel()
    model.train(was_training)
    return correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    tr = TensorDataset(torch.randn(2000, 16, 48), torch.randint(0, 10, (2000,)))
    va = TensorDataset(torch.randn(400, 16, 48), torch.randint(0, 10, (400,)))
    train_loader = DataLoader(tr, batch_size=64, shuffle=True)
    val_loader = DataLoader(va, batch_size=256, shuffle=False)
    model = MLPMixerLite()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    model.train()
    for epoch in range(args.epochs):
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        log = {"epoch": epoch, "train/loss": loss.item(), "val/acc": validate(model, val_loader)}
        print(log)


if __name__ == "__main__":
    main()
