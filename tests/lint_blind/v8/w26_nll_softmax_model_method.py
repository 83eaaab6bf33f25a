# expect: TVL008
# style: char-level language model, research script with a model that returns "log_probs" via a helper
# bug: CharRNN.forward returns F.softmax(...) (the helper was renamed from log_softmax), and the training code feeds that output to nn.NLLLoss, which expects log-probabilities
import argparse
import math
import string

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

VOCAB = list(string.printable)
STOI = {c: i for i, c in enumerate(VOCAB)}


class CharDataset(Dataset):
    def __init__(self, text, block):
        self.data = torch.tensor([STOI.get(c, 0) for c in text], dtype=torch.long)
        self.block = block

    def __len__(self):
        return len(self.data) - self.block - 1

    def __getitem__(self, i):
        chunk = self.data[i:i + self.block + 1]
        return chunk[:-1], chunk[1:]


def normalize_scores(logits, dim=-1):
    """Turn raw scores into a distribution over the vocabulary."""
    return F.softmax(logits, dim=dim)


class CharRNN(nn.Module):
    def __init__(self, vocab, emb=64, hidden=256, layers=2, dropout=0.2):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, layers, batch_first=True, dropout=dropout)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        h, state = self.lstm(self.emb(x), state)
        return normalize_scores(self.out(h)), state


@torch.no_grad()
def sample(model, prefix, n, device, temperature=0.8):
    model.eval()
    ids = torch.tensor([[STOI.get(c, 0) for c in prefix]], device=device)
    out, state = model(ids)
    chars = list(prefix)
    for _ in range(n):
        probs = out[0, -1].pow(1.0 / temperature)
        nxt = torch.multinomial(probs / probs.sum(), 1)
        chars.append(VOCAB[nxt.item()])
        out, state = model(nxt.view(1, 1), state)
    return "".join(chars)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--block", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    text = ("the quick brown fox jumps over the lazy dog. " * 4000)
    split = int(0.9 * len(text))
    train_loader = DataLoader(CharDataset(text[:split], args.block), batch_size=64, shuffle=True, drop_last=True)
    val_loader = DataLoader(CharDataset(text[split:], args.block), batch_size=128)

    model = CharRNN(len(VOCAB)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.NLLLoss()

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for i, (x, y) in enumerate(train_loader):
            x, y = x.to(device), y.to(device)
            log_probs, _ = model(x)
            loss = criterion(log_probs.reshape(-1, len(VOCAB)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item()
            if i % 200 == 0:
                print(f"epoch {epoch} it {i} loss {loss.item():.3f}")
        model.eval()
        vl, vn = 0.0, 0
        with torch.no_grad():
            for x, y in val_loader:
                lp, _ = model(x.to(device))
                vl += criterion(lp.reshape(-1, len(VOCAB)), y.to(device).reshape(-1)).item()
                vn += 1
        print(f"epoch {epoch} train {tot / len(train_loader):.3f} val {vl / vn:.3f} ppl {math.exp(min(vl / vn, 20)):.1f}")
        print(sample(model, "the ", 80, device))
    torch.save(model.state_dict(), "char_rnn.pt")


if __name__ == "__main__":
    main()
