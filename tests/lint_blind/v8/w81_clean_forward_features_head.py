# expect: clean
# style: timm-like model with forward_features/forward_head methods and a subclass calling super().forward(), fine-grained bird classification with hooks for Grad-CAM
# note: .forward_features(), .forward_head() and super().forward() are called explicitly (looks like TVL013), but only inside the model's own forward; the training and evaluation code always calls model(x), so registered hooks fire
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConvNeXtLite(nn.Module):
    def __init__(self, n_classes=200, dims=(48, 96, 192, 384)):
        super().__init__()
        self.stem = nn.Conv2d(3, dims[0], 4, 4)
        stages = []
        for i, d in enumerate(dims):
            blk = nn.Sequential(nn.Conv2d(d, d, 7, padding=3, groups=d), nn.GroupNorm(1, d),
                                nn.Conv2d(d, 4 * d, 1), nn.GELU(), nn.Conv2d(4 * d, d, 1))
            down = nn.Conv2d(d, dims[i + 1], 2, 2) if i + 1 < len(dims) else nn.Identity()
            stages.append(nn.ModuleDict({"block": blk, "down": down}))
        self.stages = nn.ModuleList(stages)
        self.norm = nn.LayerNorm(dims[-1])
        self.head = nn.Linear(dims[-1], n_classes)

    def forward_features(self, x):
        x = self.stem(x)
        for s in self.stages:
            x = s["down"](x + s["block"](x))
        return x

    def forward_head(self, x, pre_logits=False):
        x = self.norm(x.mean(dim=(2, 3)))
        return x if pre_logits else self.head(x)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


class ConvNeXtWithDropout(ConvNeXtLite):
    def __init__(self, *a, drop=0.2, **kw):
        super().__init__(*a, **kw)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        if self.training:
            x = x + 0.02 * torch.randn_like(x)
        return super().forward(x)


class GradCAMRecorder:
    def __init__(self, module):
        self.acts = None
        self.handle = module.register_forward_hook(self._hook)

    def _hook(self, m, inp, out):
        self.acts = out.detach()

    def close(self):
        self.handle.remove()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=4e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    x = torch.randn(3000, 3, 96, 96)
    y = torch.randint(0, 200, (3000,))
    train_loader = DataLoader(TensorDataset(x[:2600], y[:2600]), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[2600:], y[2600:]), batch_size=128)

    model = ConvNeXtWithDropout().to(device)
    cam = GradCAMRecorder(model.stages[-1]["block"])
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        hit = 0
        with torch.no_grad():
            for xb, yb in val_loader:
                hit += (model(xb.to(device)).argmax(1).cpu() == yb).sum().item()
        act_mean = cam.acts.mean().item() if cam.acts is not None else float("nan")
        print(f"epoch {epoch} loss {tot / len(train_loader):.4f} val_acc {hit / 400:.4f} last-stage act {act_mean:.3f}")
    cam.close()
    torch.save(model.state_dict(), "convnext_lite_birds.pth")


if __name__ == "__main__":
    main()
