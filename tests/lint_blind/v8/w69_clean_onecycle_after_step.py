# expect: clean
# style: fastai-style fit_one_cycle by hand with a Learner-like class, text classification with a CNN over word embeddings
# note: a scheduler is stepped every batch (looks like TVL007), but it is OneCycleLR sized with steps_per_epoch=len(loader), and it is stepped after optimizer.step()
import argparse
import os
import random
import re
import time
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
TOKEN_RE = re.compile(r"[a-z']+")


def tokenize(text):
    return TOKEN_RE.findall(text.lower())


def build_vocab(texts, max_size=25000, min_freq=2):
    counts = Counter(tok for t in texts for tok in tokenize(t))
    itos = ["<pad>", "<unk>"] + [w for w, c in counts.most_common(max_size - 2) if c >= min_freq]
    return {w: i for i, w in enumerate(itos)}


def encode(text, stoi, max_len=100):
    ids = [stoi.get(t, 1) for t in tokenize(text)][:max_len]
    return ids + [0] * (max_len - len(ids))


def seed_everything(seed=42):
    random.seed(seed)
    torch.manual_seed(seed)


class TextCNN(nn.Module):
    def __init__(self, vocab, emb=128, n_filters=100, sizes=(3, 4, 5), n_classes=6, dropout=0.5):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(emb, n_filters, k) for k in sizes])
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(n_filters * len(sizes), n_classes)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        pooled = [F.relu(c(x)).max(dim=2).values for c in self.convs]
        return self.fc(self.drop(torch.cat(pooled, 1)))


class Learner:
    def __init__(self, model, train_dl, valid_dl, device, wd=1e-2):
        self.model, self.train_dl, self.valid_dl, self.device = model.to(device), train_dl, valid_dl, device
        self.wd = wd
        self.best_acc = 0.0

    def fit_one_cycle(self, epochs, max_lr):
        opt = torch.optim.AdamW(self.model.parameters(), lr=max_lr, weight_decay=self.wd)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs,
                                                    steps_per_epoch=len(self.train_dl), pct_start=0.3,
                                                    div_factor=25.0, final_div_factor=1e4)
        print(f"{'epoch':<7}{'train_loss':<12}{'valid_loss':<12}{'accuracy':<10}{'time'}")
        for epoch in range(epochs):
            t0 = time.time()
            self.model.train()
            tl = 0.0
            for ids, y in self.train_dl:
                ids, y = ids.to(self.device), y.to(self.device)
                loss = F.cross_entropy(self.model(ids), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                tl += loss.item()
            vl, acc = self.validate()
            print(f"{epoch:<7}{tl / len(self.train_dl):<12.5f}{vl:<12.5f}{acc:<10.5f}{time.time() - t0:.0f}s")
            if acc > self.best_acc:
                self.best_acc = acc
                self.save("textcnn_best.pth")

    def save(self, name, path="models"):
        os.makedirs(path, exist_ok=True)
        torch.save(self.model.state_dict(), os.path.join(path, name))

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        loss, correct, n = 0.0, 0, 0
        for ids, y in self.valid_dl:
            ids, y = ids.to(self.device), y.to(self.device)
            out = self.model(ids)
            loss += F.cross_entropy(out, y, reduction="sum").item()
            correct += (out.argmax(-1) == y).sum().item()
            n += y.numel()
        return loss / n, correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--max-lr", type=float, default=3e-3)
    args = ap.parse_args()
    seed_everything()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    words = ["i", "feel", "so", "happy", "sad", "angry", "today", "really", "scared", "amazed", "loved", "not"]
    texts = [" ".join(random.choices(words, k=random.randint(4, 30))) for _ in range(12000)]
    stoi = build_vocab(texts)
    print(f"vocab size {len(stoi)}")
    ids = torch.tensor([encode(t, stoi) for t in texts])
    y = torch.randint(0, len(LABELS), (12000,))
    train_dl = DataLoader(TensorDataset(ids[:10000], y[:10000]), batch_size=64, shuffle=True)
    valid_dl = DataLoader(TensorDataset(ids[10000:], y[10000:]), batch_size=256)
    learn = Learner(TextCNN(max(len(stoi), 2), n_classes=len(LABELS)), train_dl, valid_dl, device)
    learn.fit_one_cycle(args.epochs, args.max_lr)
    learn.save("textcnn_final.pth")
    print(f"best valid accuracy {learn.best_acc:.4f}")


if __name__ == "__main__":
    main()
