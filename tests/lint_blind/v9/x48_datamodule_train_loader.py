# expect: TVL015
# style: Lightning-style DataModule + hand-written fit loop for a character-level language model
# bug: CharDataModule.train_dataloader builds the training loader with drop_last/pin_memory but no shuffle or sampler, so the contiguous windows are always visited in corpus order.
import os
import random
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class CharWindows(Dataset):
    def __init__(self, data, block):
        self.data, self.block = data, block

    def __len__(self):
        return (len(self.data) - 1) // self.block

    def __getitem__(self, i):
        s = i * self.block
        chunk = self.data[s:s + self.block + 1]
        return chunk[:-1], chunk[1:]


class CharDataModule:
    def __init__(self, text, block=128, batch_size=64, num_workers=2):
        chars = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(chars)}
        self.vocab_size = len(chars)
        data = torch.tensor([self.stoi[c] for c in text], dtype=torch.long)
        n = int(0.9 * len(data))
        self.train_ds = CharWindows(data[:n], block)
        self.val_ds = CharWindows(data[n:], block)
        self.batch_size, self.num_workers = batch_size, num_workers

    def train_dataloader(self):
        return DataLoader(self.train_ds, batch_size=self.batch_size, num_workers=self.num_workers, pin_memory=True, drop_last=True)

    def val_dataloader(self):
        return DataLoader(self.val_ds, batch_size=self.batch_size, num_workers=self.num_workers)


class CharLSTM(nn.Module):
    def __init__(self, vocab, d=256, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.LSTM(d, d, layers, batch_first=True, dropout=0.2)
        self.out = nn.Linear(d, vocab)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return self.out(h)


def fit(model, dm, epochs=10, lr=2e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        for x, y in dm.train_dataloader():
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        model.eval()
        tot, n = 0.0, 0
        with torch.no_grad():
            for x, y in dm.val_dataloader():
                logits = model(x)
                tot += F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum").item()
                n += y.numel()
        print(f"epoch {epoch} val bpc {tot / n / math.log(2):.3f}")


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    corpus = "".join(chr(97 + (i * 7 + i // 13) % 26) + (" " if i % 9 == 0 else "") for i in range(300_000))
    dm = CharDataModule(corpus)
    fit(CharLSTM(dm.vocab_size), dm)
