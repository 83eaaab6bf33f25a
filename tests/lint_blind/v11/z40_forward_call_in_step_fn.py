# expect: TVL013
# style: research repo with a registered forward hook for feature regularisation; step function calls model.forward directly
# bug: `training_step` calls `model.forward(x)` instead of `model(x)`, so the forward hook that records features for the regulariser never fires
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.b2(self.c2(F.relu(self.b1(self.c1(x))))))


class SmallResNet(nn.Module):
    def __init__(self, n_cls=10, c=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        self.layer1 = ResBlock(c)
        self.layer2 = ResBlock(c)
        self.head = nn.Linear(c, n_cls)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


class FeatureStore:
    def __init__(self):
        self.feats = []

    def __call__(self, module, inp, out):
        self.feats.append(out)

    def pop(self):
        f, self.feats = self.feats, []
        return f


def training_step(model, store, batch, lam):
    x, y = batch
    logits = model.forward(x)
    loss = F.cross_entropy(logits, y)
    feats = store.pop()
    if feats:
        loss = loss + lam * sum(f.pow(2).mean() for f in feats)
    return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feat-reg", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    model = SmallResNet()
    store = FeatureStore()
    model.layer2.register_forward_hook(store)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    ds = TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,)))
    loader = DataLoader(ds, batch_size=50, shuffle=True)
    for ep in range(args.epochs):
        model.train()
        tot = 0.0
        for batch in loader:
            loss = training_step(model, store, batch, args.feat_reg)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {ep} loss {tot/len(loader):.4f}")


if __name__ == "__main__":
    main()
