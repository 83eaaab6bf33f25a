# expect: clean
# style: research Engine with gradient accumulation, ViT-lite on satellite image tiles
# note: gradients are only zeroed inside the `if (i + 1) % accum == 0` branch after optimizer.step() (and once before the loop), which looks like a missing/misplaced zero_grad but is the standard accumulation pattern
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

LAND_COVER = ["water", "forest", "urban", "crop", "bare", "grass"]


class PatchViT(nn.Module):
    def __init__(self, in_ch=4, img=64, patch=8, d=128, depth=4, heads=4, n_classes=len(LAND_COVER)):
        super().__init__()
        self.embed = nn.Conv2d(in_ch, d, patch, patch)
        n = (img // patch) ** 2
        self.pos = nn.Parameter(torch.zeros(1, n, d))
        nn.init.trunc_normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 2 * d, 0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_classes)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2) + self.pos
        return self.head(self.norm(self.blocks(x)).mean(1))


class Engine:
    def __init__(self, model, optimizer, device, accum):
        self.model, self.optimizer, self.device, self.accum = model.to(device), optimizer, device, accum
        self.updates = 0

    def train_epoch(self, loader):
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        running, n = 0.0, 0
        for i, (x, y) in enumerate(loader):
            x, y = x.to(self.device), y.to(self.device)
            loss = F.cross_entropy(self.model(x), y)
            (loss / self.accum).backward()
            if (i + 1) % self.accum == 0 or (i + 1) == len(loader):
                nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
                self.updates += 1
            running += loss.item()
            n += 1
        return running / n

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        correct = total = 0
        for x, y in loader:
            correct += (self.model(x.to(self.device)).argmax(1).cpu() == y).sum().item()
            total += y.numel()
        return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--micro-batch", type=int, default=16)
    ap.add_argument("--accum", type=int, default=8)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--out", default="runs/landcover")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    x = torch.randn(5000, 4, 64, 64)
    y = torch.randint(0, len(LAND_COVER), (5000,))
    train_loader = DataLoader(TensorDataset(x[:4500], y[:4500]), batch_size=args.micro_batch, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[4500:], y[4500:]), batch_size=128)

    model = PatchViT()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    engine = Engine(model, opt, device, args.accum)
    history = []
    for epoch in range(args.epochs):
        loss = engine.train_epoch(train_loader)
        sched.step()
        acc = engine.evaluate(val_loader)
        history.append({"epoch": epoch, "loss": round(loss, 4), "acc": round(acc, 4), "updates": engine.updates})
        print(json.dumps(history[-1]))
    json.dump(history, open(os.path.join(args.out, "history.json"), "w"))
    torch.save(model.state_dict(), os.path.join(args.out, "vit_landcover.pt"))


if __name__ == "__main__":
    main()
