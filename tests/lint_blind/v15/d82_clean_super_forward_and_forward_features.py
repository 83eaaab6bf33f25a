# expect: clean
# style: timm-like model hierarchy: a subclass overrides forward() and calls super().forward(); training code calls model(x) and model.forward_features(x) for an auxiliary loss
# note: explicit `.forward(`-style calls appear (super().forward(x) inside a subclass, model.forward_features(x) for auxiliary features), but the top-level model is always invoked as model(x), so module hooks (here a forward hook that records activation norms) run
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("aux")


class ConvClassifier(nn.Module):
    def __init__(self, n_classes=10, width=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1), nn.BatchNorm2d(width), nn.ReLU())
        self.stage1 = nn.Sequential(nn.Conv2d(width, 2 * width, 3, 2, 1), nn.BatchNorm2d(2 * width), nn.ReLU())
        self.stage2 = nn.Sequential(nn.Conv2d(2 * width, 4 * width, 3, 2, 1), nn.BatchNorm2d(4 * width), nn.ReLU())
        self.fc = nn.Linear(4 * width, n_classes)
        self.num_features = 4 * width

    def forward_features(self, x):
        return self.stage2(self.stage1(self.stem(x)))

    def forward_head(self, feats):
        return self.fc(F.adaptive_avg_pool2d(feats, 1).flatten(1))

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


class ConvClassifierWithDropout(ConvClassifier):
    def __init__(self, *args, drop=0.3, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop = nn.Dropout(drop)

    def forward_head(self, feats):
        return self.fc(self.drop(F.adaptive_avg_pool2d(feats, 1).flatten(1)))

    def forward(self, x):
        logits = super().forward(x)
        return logits


class RotationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Linear(c, 4)

    def forward(self, feats):
        return self.fc(feats.mean(dim=(2, 3)))


def rotate_batch(x):
    k = torch.randint(0, 4, (x.size(0),))
    return torch.stack([torch.rot90(img, int(r), dims=(1, 2)) for img, r in zip(x, k)]), k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--aux-weight", type=float, default=0.5)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    x = torch.randn(6000, 3, 32, 32)
    y = torch.randint(0, 10, (6000,))
    train_dl = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)

    model = ConvClassifierWithDropout(10)
    rot_head = RotationHead(model.num_features)
    act_norms = []
    model.register_forward_hook(lambda m, i, o: act_norms.append(o.detach().norm(dim=1).mean().item()))
    opt = torch.optim.SGD(list(model.parameters()) + list(rot_head.parameters()), lr=0.05, momentum=0.9, weight_decay=5e-4)

    for epoch in range(args.epochs):
        model.train()
        rot_head.train()
        for xb, yb in train_dl:
            logits = model(xb)
            xr, kr = rotate_batch(xb)
            aux = F.cross_entropy(rot_head(model.forward_features(xr)), kr)
            loss = F.cross_entropy(logits, yb) + args.aux_weight * aux
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_dl) / len(val_dl.dataset)
        log.info("epoch %d val_acc %.4f mean_logit_norm %.3f", epoch, acc, sum(act_norms[-50:]) / max(len(act_norms[-50:]), 1))
    torch.save({"model": model.state_dict(), "rot_head": rot_head.state_dict()}, "aux_rot.pt")


if __name__ == "__main__":
    main()
