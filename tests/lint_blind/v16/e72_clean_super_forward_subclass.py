# expect: clean
# style: timm-style model subclass overriding forward and calling super().forward / forward_features, fine-grained classification
# note: ".forward(" appears in super().forward(x) and self.forward_features(x) inside the model, which is the normal way to extend a module; the training and eval code call model(x)
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("fgvc")


class ResNetLike(nn.Module):
    def __init__(self, n_classes=200, width=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 7, 2, 3), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        self.stage = nn.Sequential(
            nn.Conv2d(width, 2 * width, 3, 2, 1), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, 2, 1), nn.BatchNorm2d(4 * width), nn.ReLU())
        self.num_features = 4 * width
        self.fc = nn.Linear(self.num_features, n_classes)

    def forward_features(self, x):
        return self.stage(self.stem(x))

    def forward_head(self, f):
        return self.fc(F.adaptive_avg_pool2d(f, 1).flatten(1))

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


class ResNetWithAux(ResNetLike):
    """Adds an auxiliary attention-pooled head; returns both logits in training."""

    def __init__(self, n_classes=200, width=64):
        super().__init__(n_classes, width)
        self.attn = nn.Conv2d(self.num_features, 1, 1)
        self.aux_fc = nn.Linear(self.num_features, n_classes)

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        f = self.forward_features(x)
        w = torch.softmax(self.attn(f).flatten(2), dim=-1)
        aux = self.aux_fc((f.flatten(2) * w).sum(-1))
        return self.forward_head(f), aux


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--aux-weight", type=float, default=0.4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(3000, 3, 96, 96), torch.randint(0, 200, (3000,))
    train_loader = DataLoader(TensorDataset(x[:2600], y[:2600]), batch_size=32, shuffle=True, drop_last=True)
    val_loader = DataLoader(TensorDataset(x[2600:], y[2600:]), batch_size=128)
    model = ResNetWithAux()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_loader:
            logits, aux = model(xb)
            loss = F.cross_entropy(logits, yb) + args.aux_weight * F.cross_entropy(aux, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 400
        log.info("epoch %d loss %.4f val acc %.4f", epoch, loss.item(), acc)
    torch.save(model.state_dict(), "fgvc_aux.pt")


if __name__ == "__main__":
    main()
