# expect: clean
# style: research repo train.py with --resume / --init-ckpt, text CNN classifier
# note: both checkpoint paths come from the command line, but every torch.load passes weights_only=True (the checkpoint only holds tensors and plain containers).
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class KimCNN(nn.Module):
    def __init__(self, vocab=20000, emb=128, n_filters=100, sizes=(3, 4, 5), n_cls=4, dropout=0.5):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(emb, n_filters, k) for k in sizes])
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(n_filters * len(sizes), n_cls)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        pooled = [F.relu(c(x)).max(-1).values for c in self.convs]
        return self.fc(self.drop(torch.cat(pooled, 1)))


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--resume", default="", help="checkpoint to resume training from")
    p.add_argument("--init-ckpt", default="", help="embedding-only init (e.g. from a language model)")
    p.add_argument("--save-dir", default="ckpt_kimcnn")
    return p.parse_args()


def load_checkpoint(path, model, optimizer=None):
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(ckpt["model"])
    if optimizer is not None and "optimizer" in ckpt:
        optimizer.load_state_dict(ckpt["optimizer"])
    return int(ckpt.get("epoch", -1)) + 1, float(ckpt.get("best_acc", 0.0))


def main():
    args = parse()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ids = torch.randint(1, 20000, (12000, 80))
    y = torch.randint(0, 4, (12000,))
    ids[:, 0] = y * 1000 + 5
    train_dl = DataLoader(TensorDataset(ids[:10000], y[:10000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(ids[10000:], y[10000:]), batch_size=256)

    model = KimCNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    start_epoch, best = 0, 0.0
    if args.init_ckpt:
        state = torch.load(args.init_ckpt, map_location="cpu", weights_only=True)
        model.emb.weight.data.copy_(state["embedding.weight"][: model.emb.num_embeddings])
        print(f"initialised embeddings from {args.init_ckpt}")
    if args.resume and os.path.isfile(args.resume):
        start_epoch, best = load_checkpoint(args.resume, model, opt)
        print(f"resumed from {args.resume} at epoch {start_epoch}")

    os.makedirs(args.save_dir, exist_ok=True)
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        model.train()
        tot = 0.0
        for xb, yb in train_dl:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in val_dl:
                correct += (model(xb.to(device)).argmax(1).cpu() == yb).sum().item()
        acc = correct / len(val_dl.dataset)
        best = max(best, acc)
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} acc {acc:.4f} ({time.time() - t0:.0f}s)")
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch, "best_acc": best},
                   os.path.join(args.save_dir, "last.pt"))


if __name__ == "__main__":
    main()
