# expect: clean
# style: accelerate-like Accelerator shim around GradScaler, ViT-style image classification with AMP
# note: gradient clipping happens after a scaled backward, but the shim's clip_grad_norm_ calls scaler.unscale_ first, and step() always follows with scaler.update()
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("accel")


class MiniAccelerator:
    def __init__(self, mixed_precision="fp16"):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.use_amp = mixed_precision == "fp16" and self.device.type == "cuda"
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.use_amp)
        self._unscaled = set()

    def prepare(self, *objs):
        out = []
        for o in objs:
            out.append(o.to(self.device) if isinstance(o, nn.Module) else o)
        return out if len(out) > 1 else out[0]

    def autocast(self):
        return torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.use_amp)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def clip_grad_norm_(self, params, max_norm, optimizer):
        if id(optimizer) not in self._unscaled:
            self.scaler.unscale_(optimizer)
            self._unscaled.add(id(optimizer))
        return torch.nn.utils.clip_grad_norm_(params, max_norm)

    def step(self, optimizer):
        self.scaler.step(optimizer)
        self.scaler.update()
        self._unscaled.discard(id(optimizer))


class PatchMixer(nn.Module):
    def __init__(self, n_classes=100, dim=256, depth=6, patch=4, img=32):
        super().__init__()
        n = (img // patch) ** 2
        self.embed = nn.Conv2d(3, dim, patch, patch)
        self.blocks = nn.ModuleList([nn.ModuleDict({
            "ln1": nn.LayerNorm(dim), "tok": nn.Sequential(nn.Linear(n, n), nn.GELU()),
            "ln2": nn.LayerNorm(dim), "ch": nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim)),
        }) for _ in range(depth)])
        self.head = nn.Linear(dim, n_classes)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)
        for b in self.blocks:
            x = x + b["tok"](b["ln1"](x).transpose(1, 2)).transpose(1, 2)
            x = x + b["ch"](b["ln2"](x))
        return self.head(x.mean(1))


def main(epochs=40):
    logging.basicConfig(level=logging.INFO)
    acc = MiniAccelerator("fp16")
    x, y = torch.randn(5000, 3, 32, 32), torch.randint(0, 100, (5000,))
    train_loader = DataLoader(TensorDataset(x[:4500], y[:4500]), batch_size=128, shuffle=True, drop_last=True)
    val_loader = DataLoader(TensorDataset(x[4500:], y[4500:]), batch_size=500)
    model = acc.prepare(PatchMixer())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_loader:
            xb, yb = xb.to(acc.device), yb.to(acc.device)
            with acc.autocast():
                loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            acc.clip_grad_norm_(model.parameters(), 1.0, opt)
            acc.step(opt)
        model.eval()
        hits = 0
        with torch.no_grad(), acc.autocast():
            for xb, yb in val_loader:
                hits += (model(xb.to(acc.device)).argmax(1).cpu() == yb).sum().item()
        log.info("epoch %d loss %.4f val_acc %.4f scale %.0f", epoch, loss.item(), hits / 500, acc.scaler.get_scale())


if __name__ == "__main__":
    main()
