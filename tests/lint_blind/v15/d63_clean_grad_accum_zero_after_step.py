# expect: clean
# style: ViT fine-tuning with gradient accumulation, zero_grad placed after the accumulated step
# note: optimizer.zero_grad() is only called every accum_steps micro-batches (looks like gradients are never cleared per batch), which is exactly how gradient accumulation works: backward() sums micro-batch gradients, step() applies them, then they are cleared
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("vit-ft")


class PatchViT(nn.Module):
    def __init__(self, img=64, patch=8, d=256, depth=6, heads=8, n_classes=102):
        super().__init__()
        n = (img // patch) ** 2
        self.embed = nn.Conv2d(3, d, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_classes)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], 1) + self.pos_embed
        return self.head(self.norm(self.encoder(x))[:, 0])


def param_groups(model, wd):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "token" in n or "pos_embed" in n else decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--micro-bs", type=int, default=16)
    ap.add_argument("--accum-steps", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)

    x = torch.randn(4000, 3, 64, 64)
    y = torch.randint(0, 102, (4000,))
    train_dl = DataLoader(TensorDataset(x[:3500], y[:3500]), batch_size=args.micro_bs, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(x[3500:], y[3500:]), batch_size=128)

    model = PatchViT().to(device)
    opt = torch.optim.AdamW(param_groups(model, 0.05), lr=args.lr)
    updates_per_epoch = len(train_dl) // args.accum_steps
    total_updates = args.epochs * updates_per_epoch
    warmup = max(1, total_updates // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda u: (u + 1) / warmup if u < warmup else 0.5 * (1 + math.cos(math.pi * (u - warmup) / (total_updates - warmup))))

    update = 0
    opt.zero_grad(set_to_none=True)
    for epoch in range(args.epochs):
        model.train()
        for i, (xb, yb) in enumerate(train_dl):
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1) / args.accum_steps
            loss.backward()
            if (i + 1) % args.accum_steps == 0:
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                update += 1
                if update % 20 == 0:
                    log.info("epoch %d update %d loss %.4f lr %.2e", epoch, update, loss.item() * args.accum_steps,
                             sched.get_last_lr()[0])
        # drop the partial accumulation window at the end of the epoch
        opt.zero_grad(set_to_none=True)

        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in val_dl:
                correct += (model(xb.to(device)).argmax(1).cpu() == yb).sum().item()
        log.info("epoch %d val acc %.4f", epoch, correct / len(val_dl.dataset))
    torch.save(model.state_dict(), "vit_ft.pt")


if __name__ == "__main__":
    main()
