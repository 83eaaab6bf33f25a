# expect: TVL011
# style: hand-written accelerate-like shim (Accelerator class) for a ViT-ish image classifier
# bug: MiniAccelerator.optimizer_step() silently skips optimizer.step() whenever any gradient contains NaN/Inf; nothing counts or reports the skipped updates
import argparse
import logging
from contextlib import contextmanager

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("vit")


class MiniAccelerator:
    def __init__(self, grad_accum=1, max_grad_norm=None):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.grad_accum = grad_accum
        self.max_grad_norm = max_grad_norm
        self._micro = 0

    def prepare(self, model, optimizer, *loaders):
        return (model.to(self.device), optimizer, *loaders)

    @property
    def sync_gradients(self):
        return self._micro % self.grad_accum == 0

    @contextmanager
    def accumulate(self):
        self._micro += 1
        yield

    def backward(self, loss):
        (loss / self.grad_accum).backward()

    def _grads_finite(self, params):
        for p in params:
            if p.grad is not None and not torch.isfinite(p.grad).all():
                return False
        return True

    def optimizer_step(self, model, optimizer):
        if not self.sync_gradients:
            return
        params = [p for p in model.parameters() if p.requires_grad]
        if self._grads_finite(params):
            if self.max_grad_norm:
                nn.utils.clip_grad_norm_(params, self.max_grad_norm)
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def print(self, *a):
        logger.info(" ".join(str(x) for x in a))


class PatchEmbed(nn.Module):
    def __init__(self, patch=4, d=192):
        super().__init__()
        self.proj = nn.Conv2d(3, d, patch, patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    def __init__(self, n_classes=100, d=192, depth=6, heads=3, n_patches=64):
        super().__init__()
        self.patch = PatchEmbed(4, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.zeros(1, n_patches + 1, d))
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.0, activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_classes)
        nn.init.trunc_normal_(self.pos, std=0.02)

    def forward(self, x):
        x = self.patch(x)
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--grad-accum", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    acc = MiniAccelerator(grad_accum=args.grad_accum, max_grad_norm=1.0)
    x = torch.randn(6000, 3, 32, 32)
    y = torch.randint(0, 100, (6000,))
    train_dl = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    model = ViT()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    model, optimizer, train_dl, val_dl = acc.prepare(model, optimizer, train_dl, val_dl)
    steps_per_epoch = len(train_dl) // args.grad_accum
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * steps_per_epoch)

    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_dl:
            with acc.accumulate():
                loss = F.cross_entropy(model(xb.to(acc.device)), yb.to(acc.device), label_smoothing=0.1)
                acc.backward(loss)
                acc.optimizer_step(model, optimizer)
                if acc.sync_gradients:
                    sched.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in val_dl:
                correct += (model(xb.to(acc.device)).argmax(1).cpu() == yb).sum().item()
        acc.print(f"epoch {epoch} last_loss {loss.item():.4f} val_acc {correct / len(val_dl.dataset):.4f}")
    torch.save(model.state_dict(), "vit_small.pt")


if __name__ == "__main__":
    main()
