# expect: clean
# style: research train.py with --resume/--init-from flags, checkpoint loader helper, text classifier
# note: both checkpoint paths come from the command line, but every torch.load call passes weights_only=True (the checkpoint stores only tensors and plain containers)
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("train")


def get_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resume", default=None, help="checkpoint to resume from")
    ap.add_argument("--init-from", default=None, help="pretrained embedding weights")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="ckpt")
    return ap.parse_args()


class CNNText(nn.Module):
    def __init__(self, vocab=25000, d=200, n_cls=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.convs = nn.ModuleList([nn.Conv1d(d, 100, k) for k in (3, 4, 5)])
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(300, n_cls)

    def forward(self, x):
        e = self.emb(x).transpose(1, 2)
        h = torch.cat([F.relu(c(e)).max(-1).values for c in self.convs], 1)
        return self.fc(self.drop(h))


def load_state(path, device):
    return torch.load(path, map_location=device, weights_only=True)


def save_state(path, model, opt, epoch, best):
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch, "best": best}, path)


def main():
    args = get_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = CNNText().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    start, best = 0, 0.0
    if args.init_from:
        emb = load_state(args.init_from, device)
        model.emb.weight.data.copy_(emb["weight"])
        log.info("initialised embeddings from %s", args.init_from)
    if args.resume:
        ck = load_state(args.resume, device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        start, best = ck["epoch"] + 1, ck["best"]
        log.info("resumed from %s at epoch %d", args.resume, start)

    x, y = torch.randint(0, 25000, (12000, 80)), torch.randint(0, 4, (12000,))
    train_loader = DataLoader(TensorDataset(x[:10000], y[:10000]), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[10000:], y[10000:]), batch_size=256)
    for epoch in range(start, args.epochs):
        model.train()
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb.to(device)).argmax(1).cpu() == yb).sum().item() for xb, yb in val_loader) / 2000
        best = max(best, acc)
        log.info("epoch %d loss %.4f acc %.4f best %.4f", epoch, loss.item(), acc, best)
        save_state(os.path.join(args.out, "last.pt"), model, opt, epoch, best)


if __name__ == "__main__":
    main()
