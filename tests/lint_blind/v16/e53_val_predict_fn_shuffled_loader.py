# expect: TVL017
# style: research script with helper functions, sentence-pair similarity regression evaluated with Pearson/Spearman against the dev dataframe
# bug: make_loader() is called with shuffle=True for the dev split, and predict() output is correlated with dev_df["score"] in file order, so the correlation is computed on mispaired rows
import argparse
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sts")


class PairDS(Dataset):
    def __init__(self, df, vocab=10000, max_len=32):
        self.df = df.reset_index(drop=True)
        self.vocab, self.max_len = vocab, max_len

    def __len__(self):
        return len(self.df)

    def encode(self, text):
        ids = [hash(w) % (self.vocab - 1) + 1 for w in text.split()][: self.max_len]
        return torch.tensor(ids + [0] * (self.max_len - len(ids)))

    def __getitem__(self, i):
        r = self.df.loc[i]
        return self.encode(r.s1), self.encode(r.s2), torch.tensor(r.score / 5.0, dtype=torch.float32)


def make_loader(df, batch_size, shuffle):
    return DataLoader(PairDS(df), batch_size=batch_size, shuffle=shuffle)


class Siamese(nn.Module):
    def __init__(self, vocab=10000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.enc = nn.LSTM(d, d, batch_first=True, bidirectional=True)

    def embed(self, ids):
        h, _ = self.enc(self.emb(ids))
        m = (ids != 0).unsqueeze(-1).float()
        return (h * m).sum(1) / m.sum(1).clamp(min=1)

    def forward(self, a, b):
        return F.cosine_similarity(self.embed(a), self.embed(b))


@torch.no_grad()
def predict(model, loader):
    model.eval()
    out = np.concatenate([model(a, b).numpy() for a, b, _ in loader])
    model.train()
    return out * 5.0


def spearman(x, y):
    rx, ry = pd.Series(x).rank().values, pd.Series(y).rank().values
    return np.corrcoef(rx, ry)[0, 1]


def synth_df(n, seed):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(500)]
    s1 = [" ".join(rng.choice(words, rng.integers(5, 15))) for _ in range(n)]
    s2 = [s if rng.random() < 0.5 else " ".join(rng.choice(words, 8)) for s in s1]
    score = [5.0 if a == b else float(rng.uniform(0, 3)) for a, b in zip(s1, s2)]
    return pd.DataFrame({"s1": s1, "s2": s2, "score": score})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_df, dev_df = synth_df(6000, 0), synth_df(800, 1)
    train_loader = make_loader(train_df, args.bs, shuffle=True)
    dev_loader = make_loader(dev_df, 256, shuffle=True)
    model = Siamese()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        for a, b, y in train_loader:
            loss = F.mse_loss(model(a, b), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        pred = predict(model, dev_loader)
        gold = dev_df["score"].values
        pearson = np.corrcoef(pred, gold)[0, 1]
        log.info("epoch %d loss %.4f dev pearson %.4f spearman %.4f", epoch, loss.item(), pearson, spearman(pred, gold))
    torch.save(model.state_dict(), "siamese_sts.pt")


if __name__ == "__main__":
    main()
