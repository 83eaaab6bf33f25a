# expect: clean
# style: timm-style model with forward_features()/forward_head() methods, fine-tuning with a feature-statistics hook
# note: the training code calls model.forward_features(...) and model.forward_head(...) in the loss helper, which resembles calling .forward directly, but the hook that matters is registered on the pooled head (called via __call__ inside forward_head), and main inference goes through model(x).
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ft")


class ConvStage(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.GELU(),
                                  nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.GELU())

    def forward(self, x):
        return self.conv(x)


class Head(nn.Module):
    def __init__(self, d, n_cls, drop):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(drop)
        self.fc = nn.Linear(d, n_cls)

    def forward(self, x, pre_logits=False):
        x = self.pool(x).flatten(1)
        return x if pre_logits else self.fc(self.drop(x))


class ConvNetTimmStyle(nn.Module):
    def __init__(self, n_cls=100, dims=(32, 64, 128, 256), drop=0.2):
        super().__init__()
        self.stages = nn.Sequential(*[ConvStage(a, b) for a, b in zip((3,) + dims[:-1], dims)])
        self.head = Head(dims[-1], n_cls, drop)

    def forward_features(self, x):
        return self.stages(x)

    def forward_head(self, x, pre_logits=False):
        return self.head(x, pre_logits=pre_logits)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


def attach_feature_monitor(model, store):
    def hook(module, inputs, output):
        store["feat_norm"] = output.detach().norm(dim=1).mean().item()
    return model.head.pool.register_forward_hook(hook)


def loss_with_feature_reg(model, x, y, reg):
    feats = model.forward_features(x)
    logits = model.forward_head(feats)
    pooled = model.forward_head(feats, pre_logits=True)
    return F.cross_entropy(logits, y, label_smoothing=0.1) + reg * pooled.pow(2).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--reg", type=float, default=1e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(6000, 3, 64, 64), torch.randint(0, 100, (6000,))
    train_dl = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    model = ConvNetTimmStyle()
    store = {}
    attach_feature_monitor(model, store)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for xb, yb in train_dl:
            loss = loss_with_feature_reg(model, xb, yb, args.reg)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        with torch.no_grad():
            hit = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_dl)
        log.info("epoch %d loss %.4f acc %.4f feat_norm %.3f", epoch, tot / len(train_dl),
                 hit / len(val_dl.dataset), store.get("feat_norm", float("nan")))
    torch.save(model.state_dict(), "convnet_timm_style.pth")


if __name__ == "__main__":
    main()
