# expect: clean
# style: fastai/RL-utils style helper (contextmanager that switches to eval and restores the previous mode)
# note: model.eval() appears inside the epoch loop via a helper, but the helper restores train mode on exit
import argparse
from contextlib import contextmanager

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@contextmanager
def evaluating(net):
    was_training = net.training
    try:
        net.eval()
        yield net
    finally:
        if was_training:
            net.train()


class MLP(nn.Module):
    def __init__(self, d_in=20, d_h=64, n_out=4):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d_h), nn.BatchNorm1d(d_h), nn.ReLU(), nn.Dropout(0.3),
                                 nn.Linear(d_h, n_out))

    def forward(self, x):
        return self.net(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--eval-every", type=int, default=50)
    args = parser.parse_args()
    x, y = torch.randn(4000, 20), torch.randint(0, 4, (4000,))
    train_loader = DataLoader(TensorDataset(x[:3500], y[:3500]), batch_size=64, shuffle=True)
    x_val, y_val = x[3500:], y[3500:]
    model = MLP()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    step = 0
    for epoch in range(args.epochs):
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            step += 1
            if step % args.eval_every == 0:
                with evaluating(model), torch.no_grad():
                    val_acc = (model(x_val).argmax(1) == y_val).float().mean().item()
                print(f"epoch {epoch} step {step}: loss {loss.item():.4f} val_acc {val_acc:.4f}")


if __name__ == "__main__":
    main()
