# expect: clean
# style: timm-like model with forward_features/forward_head and a subclass calling super().forward (fine-grained vision)
# note: the training code calls model.forward_features(x) (for logging) and sub-modules like model.stages(x) directly, and the subclass calls super().forward(x) inside its own forward, but the top-level model's forward is always invoked as model(x).
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("fgvc")


class ConvNeXtLite(nn.Module):
    def __init__(self, num_classes=200, dims=(48, 96, 192)):
        super().__init__()
        layers, cin = [], 3
        for d in dims:
            layers += [nn.Conv2d(cin, d, 4 if cin == 3 else 2, 4 if cin == 3 else 2), nn.GroupNorm(1, d),
                       nn.Conv2d(d, d, 7, padding=3, groups=d), nn.GELU()]
            cin = d
        self.stages = nn.Sequential(*layers)
        self.norm = nn.LayerNorm(dims[-1])
        self.head = nn.Linear(dims[-1], num_classes)

    def forward_features(self, x):
        return self.norm(self.stages(x).mean((2, 3)))

    def forward_head(self, feats):
        return self.head(feats)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


class ConvNeXtWithTemp(ConvNeXtLite):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.log_temp = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return super().forward(x) / self.log_temp.exp()


def center_loss(feats, labels, centers):
    return (feats - centers[labels]).pow(2).sum(1).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--center-w", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = ConvNeXtWithTemp()
    centers = nn.Parameter(torch.zeros(200, 192))
    opt = torch.optim.AdamW(list(model.parameters()) + [centers], lr=4e-4, weight_decay=0.05)
    ds = TensorDataset(torch.randn(1600, 3, 96, 96), torch.randint(0, 200, (1600,)))
    dl = DataLoader(ds, batch_size=32, shuffle=True)
    hook_calls = {"n": 0}
    model.register_forward_hook(lambda m, i, o: hook_calls.__setitem__("n", hook_calls["n"] + 1))
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in dl:
            logits = model(x)
            with torch.no_grad():
                feats_for_centers = model.forward_features(x)
            feats = model.stages(x).mean((2, 3))
            loss = F.cross_entropy(logits, y) + args.center_w * center_loss(model.norm(feats), y, centers)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f hook calls %d feat norm %.3f", epoch, tot / len(dl), hook_calls["n"], feats_for_centers.norm(dim=1).mean().item())


if __name__ == "__main__":
    main()
