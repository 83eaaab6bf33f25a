# expect: TVL014
# style: research repo train.py with --resume flag, semantic similarity siamese network
# bug: the --resume path from the command line goes straight into torch.load(args.resume, map_location='cpu') without weights_only=True, unpickling arbitrary objects
import argparse
import os
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def parse_args():
    p = argparse.ArgumentParser("siamese sentence encoder")
    p.add_argument("--data-size", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--margin", type=float, default=0.5)
    p.add_argument("--resume", type=str, default="", help="path to checkpoint to resume from")
    p.add_argument("--output-dir", type=str, default="checkpoints/siamese")
    p.add_argument("--seed", type=int, default=13)
    return p.parse_args()


class PairData(Dataset):
    def __init__(self, n, vocab=8000, max_len=32, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.a = torch.randint(1, vocab, (n, max_len), generator=g)
        self.b = self.a.clone()
        flip = torch.rand(n, generator=g) < 0.5
        self.b[flip] = torch.randint(1, vocab, (int(flip.sum()), max_len), generator=g)
        self.y = (~flip).float()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.a[i], self.b[i], self.y[i]


class SentenceEncoder(nn.Module):
    def __init__(self, vocab=8000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.conv = nn.Conv1d(d, d, 3, padding=1)
        self.proj = nn.Linear(d, d)

    def forward(self, ids):
        h = F.relu(self.conv(self.emb(ids).transpose(1, 2))).max(dim=2).values
        return F.normalize(self.proj(h), dim=-1)


def contrastive_loss(za, zb, y, margin):
    d = 1 - (za * zb).sum(-1)
    return (y * d.pow(2) + (1 - y) * F.relu(margin - d).pow(2)).mean()


def save_checkpoint(state, out_dir, name="last.pth"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


def main():
    args = parse_args()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_loader = DataLoader(PairData(args.data_size), batch_size=args.batch_size, shuffle=True, drop_last=True)
    val_loader = DataLoader(PairData(2000, seed=99), batch_size=512)
    model = SentenceEncoder().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)

    start_epoch, best_acc = 0, 0.0
    if args.resume:
        if os.path.isfile(args.resume):
            print(f"=> loading checkpoint '{args.resume}'")
            ckpt = torch.load(args.resume, map_location="cpu")
            model.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
            scheduler.load_state_dict(ckpt["scheduler"])
            start_epoch, best_acc = ckpt["epoch"] + 1, ckpt.get("best_acc", 0.0)
            print(f"=> resumed from epoch {start_epoch}")
        else:
            print(f"=> no checkpoint found at '{args.resume}'")

    for epoch in range(start_epoch, args.epochs):
        model.train()
        tot = 0.0
        for a, b, y in train_loader:
            a, b, y = a.to(device), b.to(device), y.to(device)
            optimizer.zero_grad()
            loss = contrastive_loss(model(a), model(b), y, args.margin)
            loss.backward()
            optimizer.step()
            tot += loss.item()
        scheduler.step()
        model.eval()
        hit = n = 0
        with torch.no_grad():
            for a, b, y in val_loader:
                sim = (model(a.to(device)) * model(b.to(device))).sum(-1).cpu()
                hit += ((sim > 0.5).float() == y).sum().item()
                n += y.numel()
        acc = hit / n
        print(f"epoch {epoch} loss {tot / len(train_loader):.4f} val_acc {acc:.4f}")
        best_acc = max(best_acc, acc)
        save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "scheduler": scheduler.state_dict(), "epoch": epoch, "best_acc": best_acc},
                        args.output_dir)


if __name__ == "__main__":
    main()
