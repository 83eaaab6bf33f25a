# expect: clean
# style: course project, character-level name-origin classifier (RNN) with NLLLoss, softmax only in predict()
# note: the model ends in LogSoftmax and trains with nn.NLLLoss (correct pairing); torch.softmax / .exp() appear only in the prediction and calibration helpers, not in the loss
import argparse
import random
import string

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

ALL_LETTERS = string.ascii_letters + " .,;'"
LANGS = ["English", "French", "German", "Italian", "Japanese", "Russian", "Spanish", "Arabic"]


def fake_name(rng):
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10))).capitalize()


class NamesDataset(Dataset):
    def __init__(self, n, seed, max_len=12):
        rng = random.Random(seed)
        self.items = [(fake_name(rng), rng.randrange(len(LANGS))) for _ in range(n)]
        self.max_len = max_len

    def __len__(self):
        return len(self.items)

    def encode(self, name):
        idx = [ALL_LETTERS.find(c) + 1 for c in name[: self.max_len]]
        return torch.tensor(idx + [0] * (self.max_len - len(idx)))

    def __getitem__(self, i):
        name, lang = self.items[i]
        return self.encode(name), lang


class CharRNN(nn.Module):
    def __init__(self, n_letters=len(ALL_LETTERS) + 1, hidden=128, n_out=len(LANGS)):
        super().__init__()
        self.emb = nn.Embedding(n_letters, 32, padding_idx=0)
        self.rnn = nn.GRU(32, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_out)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, x):
        _, h = self.rnn(self.emb(x))
        return self.log_softmax(self.out(h[-1]))


def predict(model, name, ds, k=3):
    model.eval()
    with torch.no_grad():
        probs = model(ds.encode(name).unsqueeze(0)).exp()[0]
    model.train()
    top = probs.topk(k)
    return [(LANGS[i], round(p, 3)) for p, i in zip(top.values.tolist(), top.indices.tolist())]


def expected_calibration_error(model, loader, bins=10):
    model.eval()
    confs, correct = [], []
    with torch.no_grad():
        for x, y in loader:
            p = torch.softmax(model(x), dim=1)  # softmax of log-probs == probs; used for metrics only
            c, pred = p.max(1)
            confs.append(c)
            correct.append((pred == y).float())
    model.train()
    confs, correct = torch.cat(confs), torch.cat(correct)
    ece = 0.0
    for b in range(bins):
        m = (confs > b / bins) & (confs <= (b + 1) / bins)
        if m.any():
            ece += m.float().mean().item() * abs(confs[m].mean().item() - correct[m].mean().item())
    return ece


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-3)
    args = ap.parse_args()
    train_ds, test_ds = NamesDataset(12000, 0), NamesDataset(1500, 1)
    train_loader = DataLoader(train_ds, batch_size=64, shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=256)
    model = CharRNN()
    criterion = nn.NLLLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch} nll {total / len(train_loader):.4f} ECE {expected_calibration_error(model, test_loader):.4f}")
    print(predict(model, "Satoshi", train_ds))
    torch.save(model.state_dict(), "char_rnn.pt")
