# expect: clean
# style: retrieval-free sentence-pair classifier; eval loader built by a shared factory with shuffle=True
# note: the validation DataLoader is shuffled (TVL017 look-alike), but each batch carries its own labels and the metrics (accuracy, confusion counts, mean loss) are order-independent; nothing is paired with dataset rows by position
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("paraphrase")


class PairData(Dataset):
    def __init__(self, n, vocab=10000, L=32, seed=0):
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, vocab, (n, L))
        self.label = rng.integers(0, 2, n)
        noise = rng.integers(1, vocab, (n, L))
        keep = rng.random((n, L)) < np.where(self.label[:, None] == 1, 0.8, 0.2)
        self.b = np.where(keep, self.a, noise)

    def __len__(self):
        return len(self.label)

    def __getitem__(self, i):
        return torch.from_numpy(self.a[i]).long(), torch.from_numpy(self.b[i]).long(), int(self.label[i])


def make_loader(ds, bs, workers=2):
    # every split gets a shuffled loader; evaluation below only uses order-free statistics
    return DataLoader(ds, batch_size=bs, shuffle=True, num_workers=workers)


class Siamese(nn.Module):
    def __init__(self, vocab=10000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.enc = nn.GRU(d, d, batch_first=True, bidirectional=True)
        self.cls = nn.Sequential(nn.Linear(8 * d, d), nn.ReLU(), nn.Dropout(0.1), nn.Linear(d, 2))

    def encode(self, t):
        h, _ = self.enc(self.emb(t))
        return h.max(1).values

    def forward(self, a, b):
        u, v = self.encode(a), self.encode(b)
        return self.cls(torch.cat([u, v, (u - v).abs(), u * v], -1))


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    conf = torch.zeros(2, 2, dtype=torch.long)
    loss_sum, n = 0.0, 0
    for a, b, y in loader:
        a, b, y = a.to(device), b.to(device), y.to(device)
        logits = model(a, b)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        pred = logits.argmax(1)
        for t, p in zip(y.tolist(), pred.tolist()):
            conf[t, p] += 1
        n += y.numel()
    model.train()
    acc = conf.diag().sum().item() / n
    prec = conf[1, 1].item() / max(1, conf[:, 1].sum().item())
    rec = conf[1, 1].item() / max(1, conf[1, :].sum().item())
    f1 = 2 * prec * rec / max(1e-8, prec + rec)
    return loss_sum / n, acc, f1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--out", default="para_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = make_loader(PairData(40000), args.bs)
    val_dl = make_loader(PairData(4000, seed=1), 256)
    model = Siamese().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    os.makedirs(args.out, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for a, b, y in train_dl:
            a, b, y = a.to(device), b.to(device), y.to(device)
            loss = F.cross_entropy(model(a, b), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        vloss, acc, f1 = evaluate(model, val_dl, device)
        log.info("epoch %d train %.4f | val loss %.4f acc %.4f F1 %.4f", epoch, tot / len(train_dl), vloss, acc, f1)
        if f1 > best:
            best = f1
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))


if __name__ == "__main__":
    main()
