# expect: clean
# style: segmentation Trainer where `evaluate` switches to eval and restores the previous mode on exit
# note: model.eval() is called inside the epoch loop for validation, but `evaluate` records model.training and restores it in a finally block
import contextlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@contextlib.contextmanager
def eval_mode(model):
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


class FCN(nn.Module):
    def __init__(self, n_cls=4):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                 nn.Conv2d(16, 32, 3, padding=1, stride=2), nn.BatchNorm2d(32), nn.ReLU(),
                                 nn.Dropout2d(0.1))
        self.dec = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(32, n_cls, 3, padding=1))

    def forward(self, x):
        return self.dec(self.enc(x))


def dice(pred, target, n_cls):
    scores = []
    for c in range(1, n_cls):
        p, t = pred == c, target == c
        denom = p.sum() + t.sum()
        if denom > 0:
            scores.append((2 * (p & t).sum().float() / denom).item())
    return sum(scores) / max(1, len(scores))


class Trainer:
    def __init__(self, n_cls=4):
        self.n_cls = n_cls
        self.model = FCN(n_cls)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        x = torch.randn(300, 1, 64, 64)
        y = torch.randint(0, n_cls, (300, 64, 64))
        self.train_dl = DataLoader(TensorDataset(x[:240], y[:240]), batch_size=8, shuffle=True)
        self.val_dl = DataLoader(TensorDataset(x[240:], y[240:]), batch_size=16)

    def evaluate(self):
        with eval_mode(self.model), torch.no_grad():
            scores = [dice(self.model(x).argmax(1), y, self.n_cls) for x, y in self.val_dl]
        return sum(scores) / len(scores)

    def fit(self, epochs=8):
        self.model.train()
        for ep in range(epochs):
            for x, y in self.train_dl:
                loss = F.cross_entropy(self.model(x), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
            print(f"epoch {ep} loss {loss.item():.4f} val dice {self.evaluate():.4f} training={self.model.training}")


if __name__ == "__main__":
    Trainer().fit()
