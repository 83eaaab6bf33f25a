# expect: clean
# style: research repo with build_scheduler() factory and a Trainer stepping per iteration, CLIP-style contrastive training on precomputed features
# note: a CosineAnnealingLR is stepped after every batch inside Trainer.train_step, which looks like TVL007, but build_scheduler sets T_max = epochs * iters_per_epoch (in steps), so the per-batch stepping is correct.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("clip")


class Tower(nn.Module):
    def __init__(self, d_in, d_out=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 512), nn.GELU(), nn.Linear(512, d_out))

    def forward(self, x):
        return F.normalize(self.net(x), dim=-1)


class DualEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.image = Tower(768)
        self.text = Tower(512)
        self.logit_scale = nn.Parameter(torch.tensor(2.659))

    def forward(self, img, txt):
        return self.image(img), self.text(txt), self.logit_scale.exp().clamp(max=100)


def build_scheduler(args, optimizer, iters_per_epoch):
    total_steps = args.epochs * iters_per_epoch
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps, eta_min=args.lr * 0.01)


class Trainer:
    def __init__(self, args, model, loader):
        self.model = model
        self.loader = loader
        self.opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.2)
        self.sched = build_scheduler(args, self.opt, len(loader))
        self.epochs = args.epochs

    def train_step(self, img, txt):
        zi, zt, scale = self.model(img, txt)
        logits = scale * zi @ zt.t()
        labels = torch.arange(len(img))
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.sched.step()
        return loss.item()

    def fit(self):
        self.model.train()
        for epoch in range(self.epochs):
            losses = [self.train_step(i, t) for i, t in self.loader]
            log.info("epoch %d loss %.4f lr %.2e", epoch, sum(losses) / len(losses), self.sched.get_last_lr()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--bs", type=int, default=256)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    img = torch.randn(20000, 768)
    txt = img[:, :512] + 0.5 * torch.randn(20000, 512)
    loader = DataLoader(TensorDataset(img, txt), batch_size=args.bs, shuffle=True, drop_last=True)
    Trainer(args, DualEncoder(), loader).fit()


if __name__ == "__main__":
    main()
