# expect: TVL004
# style: speechbrain/espnet-like keyword-spotting recipe (torchaudio MFCC features)
# bug: the validation function was copy-pasted from training and still calls loss.backward() + optimizer.step() on validation batches
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class KWSNet(nn.Module):
    def __init__(self, n_mfcc=40, n_labels=12):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mfcc, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU())
        self.gru = nn.GRU(64, 64, batch_first=True)
        self.out = nn.Linear(64, n_labels)

    def forward(self, feats):
        h = self.conv(feats).transpose(1, 2)
        _, hn = self.gru(h)
        return self.out(hn[-1])


def train_epoch(model, loader, optimizer):
    model.train()
    tot = 0.0
    for feats, labels in loader:
        loss = F.cross_entropy(model(feats), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        tot += loss.item()
    return tot / len(loader)


def valid_epoch(model, loader, optimizer):
    model.eval()
    tot, correct, n = 0.0, 0, 0
    for feats, labels in loader:
        logits = model(feats)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        tot += loss.item()
        correct += (logits.argmax(-1) == labels).sum().item()
        n += labels.numel()
    return tot / len(loader), correct / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n_epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=1e-3)
    hparams = parser.parse_args()
    train_ds = TensorDataset(torch.randn(800, 40, 101), torch.randint(0, 12, (800,)))
    valid_ds = TensorDataset(torch.randn(200, 40, 101), torch.randint(0, 12, (200,)))
    train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
    valid_loader = DataLoader(valid_ds, batch_size=64)
    model = KWSNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=hparams.lr)
    for epoch in range(1, hparams.n_epochs + 1):
        tr = train_epoch(model, train_loader, optimizer)
        vl, acc = valid_epoch(model, valid_loader, optimizer)
        print(f"epoch: {epoch}, train loss: {tr:.3f}, valid loss: {vl:.3f}, valid acc: {acc:.3f}")


if __name__ == "__main__":
    main()
