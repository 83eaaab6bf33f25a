# expect: clean
# style: accelerate-style loop with accelerator.accumulate(), accelerator.backward and accelerator.clip_grad_norm_; x-vector speaker-ID classifier on log-mels
# note: inside accumulate() the optimizer/scheduler step and zero_grad every batch is the documented pattern (accelerate skips them until sync); OneCycleLR is a per-batch scheduler stepped after optimizer.step()
import argparse
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from accelerate import Accelerator
from torch.utils.data import DataLoader, TensorDataset


class XVectorLite(nn.Module):
    def __init__(self, n_mels=40, n_speakers=100, dim=256):
        super().__init__()
        self.tdnn = nn.Sequential(
            nn.Conv1d(n_mels, dim, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(dim),
            nn.Conv1d(dim, dim, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(dim),
            nn.Conv1d(dim, dim, 3, dilation=3), nn.ReLU(), nn.BatchNorm1d(dim))
        self.segment = nn.Linear(2 * dim, dim)
        self.out = nn.Linear(dim, n_speakers)

    def forward(self, feats):
        h = self.tdnn(feats)
        stats = torch.cat([h.mean(-1), h.std(-1)], dim=1)
        return self.out(F.relu(self.segment(stats)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gradient_accumulation_steps", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--max_lr", type=float, default=3e-3)
    args = ap.parse_args()
    accelerator = Accelerator(gradient_accumulation_steps=args.gradient_accumulation_steps)
    feats, spk = torch.randn(3000, 40, 200), torch.randint(0, 100, (3000,))
    train_dl = DataLoader(TensorDataset(feats, spk), batch_size=32, shuffle=True, drop_last=True)
    model = XVectorLite()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.max_lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(train_dl) / args.gradient_accumulation_steps)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.max_lr, epochs=args.epochs,
                                                    steps_per_epoch=steps_per_epoch, pct_start=0.2)
    model, optimizer, train_dl, scheduler = accelerator.prepare(model, optimizer, train_dl, scheduler)

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for x, y in train_dl:
            with accelerator.accumulate(model):
                loss = F.cross_entropy(model(x), y)
                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(model.parameters(), 3.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            total += loss.detach().float()
        avg = accelerator.gather(total).mean().item() / len(train_dl)
        accelerator.print(f"epoch {epoch}: loss {avg:.4f}")


if __name__ == "__main__":
    main()
