# expect: clean
# style: model subclassing with super().forward() and a wrapper module, EMA copy; vision classifier Trainer
# note: `.forward(` appears in the code, which looks like TVL013, but only as super().forward(x) inside an overriding forward(); every caller invokes the modules through __call__ (self.model(x), self.ema(x)).
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ema")


class BaseCNN(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.fc(self.features(x))


class NormalizedCNN(BaseCNN):
    """Same network, but inputs are normalised inside the model so exported weights are self-contained."""

    def __init__(self, mean, std, **kw):
        super().__init__(**kw)
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, x):
        return super().forward((x - self.mean) / self.std)


class ModelEMA(nn.Module):
    def __init__(self, model, decay=0.999):
        super().__init__()
        self.module = copy.deepcopy(model).eval()
        self.decay = decay
        for p in self.module.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        for e, m in zip(self.module.state_dict().values(), model.state_dict().values()):
            if e.dtype.is_floating_point:
                e.mul_(self.decay).add_(m.detach(), alpha=1 - self.decay)
            else:
                e.copy_(m)

    def forward(self, x):
        return self.module(x)


def accuracy(net, loader):
    net.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (net(x).argmax(1) == y).sum().item()
    return correct / len(loader.dataset)


def main():
    logging.basicConfig(level=logging.INFO)
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (7000,), generator=g)
    x = torch.rand(7000, 3, 32, 32, generator=g) * 255 + y.view(-1, 1, 1, 1) * 2.0
    train_dl = DataLoader(TensorDataset(x[:6000], y[:6000]), batch_size=128, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[6000:], y[6000:]), batch_size=256)

    model = NormalizedCNN(mean=[127.5] * 3, std=[73.9] * 3)
    ema = ModelEMA(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    for epoch in range(10):
        model.train()
        tot = 0.0
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            ema.update(model)
            tot += loss.item()
        log.info("epoch %d loss %.4f acc %.4f ema_acc %.4f", epoch, tot / len(train_dl),
                 accuracy(model, val_dl), accuracy(ema, val_dl))
    torch.save({"model": model.state_dict(), "ema": ema.module.state_dict()}, "cnn_ema.pt")


if __name__ == "__main__":
    main()
