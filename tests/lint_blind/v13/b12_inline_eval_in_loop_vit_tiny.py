# expect: TVL004
# style: notebook-style inline loop, tiny ViT on synthetic images with stochastic depth / dropout
# bug: model.eval() is called inside the epoch loop for the validation pass and model.train() is never called again
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

cfg = dict(img=32, patch=4, dim=128, depth=4, heads=4, n_cls=10, epochs=15, bs=128, lr=5e-4, wd=0.05)
device = "cuda" if torch.cuda.is_available() else "cpu"


class PatchEmbed(nn.Module):
    def __init__(self, img, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)
        self.n = (img // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    def __init__(self, img, patch, dim, depth, heads, n_cls):
        super().__init__()
        self.embed = PatchEmbed(img, patch, dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, self.embed.n + 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 4, dropout=0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_cls)

    def forward(self, x):
        x = self.embed(x)
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], 1) + self.pos
        x = self.blocks(x)
        return self.head(self.norm(x[:, 0]))


train_ds = TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,)))
val_ds = TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,)))
train_dl = DataLoader(train_ds, batch_size=cfg["bs"], shuffle=True, drop_last=True)
val_dl = DataLoader(val_ds, batch_size=256)

model = ViT(cfg["img"], cfg["patch"], cfg["dim"], cfg["depth"], cfg["heads"], cfg["n_cls"]).to(device)
opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
total_steps = cfg["epochs"] * len(train_dl)
warmup = len(train_dl)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, total_steps) / total_steps)))

model.train()
step = 0
for epoch in range(cfg["epochs"]):
    running = 0.0
    for x, y in train_dl:
        x, y = x.to(device), y.to(device)
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running += loss.item()
        step += 1

    # --- validation ---
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in val_dl:
            correct += (model(x.to(device)).argmax(-1).cpu() == y).sum().item()
    print(f"epoch {epoch:2d} step {step} loss {running / len(train_dl):.4f} "
          f"val_acc {correct / len(val_ds):.4f} lr {sched.get_last_lr()[0]:.2e}")

torch.save(model.state_dict(), "vit_tiny.pt")
