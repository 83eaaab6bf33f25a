# expect: TVL017
# style: research repo for review-rating regression/classification; eval loader made by a factory, metrics computed against dataset.labels
# bug: `make_eval_loader` returns a DataLoader with shuffle=True (for "random batch previews"), and `evaluate` compares the concatenated predictions with `loader.dataset.labels` in dataset order, so the reported F1/accuracy is computed on mismatched pairs
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("reviews")
N_STARS = 5


class ReviewSet(Dataset):
    def __init__(self, n, vocab=12000, max_len=120, seed=0):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, N_STARS, n)
        self.tokens = rng.integers(1, vocab, (n, max_len))
        self.tokens[:, 0] = 2 + self.labels * 3  # leak a little signal
        self.vocab = vocab

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.tokens[i]).long(), int(self.labels[i])


class MeanPoolClassifier(nn.Module):
    def __init__(self, vocab, d=128):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, d, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Dropout(0.2), nn.Linear(d, N_STARS))

    def forward(self, tokens):
        return self.mlp(self.emb(tokens))


def make_train_loader(ds, bs):
    return DataLoader(ds, batch_size=bs, shuffle=True, num_workers=2, drop_last=True)


def make_eval_loader(ds, bs):
    # shuffle so the periodic "sample predictions" log shows a random mix of reviews
    return DataLoader(ds, batch_size=bs, shuffle=True, num_workers=2)


def macro_f1(pred, gold, k=N_STARS):
    f1 = []
    for c in range(k):
        tp = np.sum((pred == c) & (gold == c))
        fp = np.sum((pred == c) & (gold != c))
        fn = np.sum((pred != c) & (gold == c))
        f1.append(2 * tp / max(1, 2 * tp + fp + fn))
    return float(np.mean(f1))


@torch.no_grad()
def predict(model, loader, device):
    model.eval()
    out = []
    for i, (tokens, _) in enumerate(loader):
        p = model(tokens.to(device)).argmax(1).cpu().numpy()
        if i == 0:
            log.info("sample predictions: %s", p[:8].tolist())
        out.append(p)
    model.train()
    return np.concatenate(out)


def evaluate(model, loader, device):
    pred = predict(model, loader, device)
    gold = np.asarray(loader.dataset.labels)
    return float((pred == gold).mean()), macro_f1(pred, gold)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--out", default="reviews_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_ds, dev_ds = ReviewSet(40000), ReviewSet(4000, seed=1)
    train_dl = make_train_loader(train_ds, args.bs)
    dev_dl = make_eval_loader(dev_ds, 512)
    model = MeanPoolClassifier(train_ds.vocab).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    os.makedirs(args.out, exist_ok=True)
    best_f1 = -1.0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for tokens, stars in train_dl:
            tokens, stars = tokens.to(device), stars.to(device)
            loss = F.cross_entropy(model(tokens), stars)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        acc, f1 = evaluate(model, dev_dl, device)
        log.info("epoch %d loss %.4f dev acc %.4f macro-F1 %.4f", epoch, tot / len(train_dl), acc, f1)
        if f1 > best_f1:
            best_f1 = f1
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
    log.info("best dev macro-F1 %.4f", best_f1)


if __name__ == "__main__":
    main()
