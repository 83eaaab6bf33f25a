# expect: clean
# style: classic PyTorch tutorial style char-RNN name classifier (LogSoftmax output + NLLLoss)
# note: the model ends with nn.LogSoftmax and the loss is nn.NLLLoss, which is the correct pairing (log-probabilities into NLLLoss); softmax is only used to print confidences.
import random
import string
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

ALL_LETTERS = string.ascii_letters + " .,;'"
N_LETTERS = len(ALL_LETTERS)
LANGS = ["English", "French", "German", "Italian", "Japanese", "Russian", "Spanish"]
MAX_LEN = 16


def fake_name(lang_idx, rnd):
    syllables = [["th", "er", "son"], ["eau", "ier", "ette"], ["berg", "mann", "sch"], ["ini", "ello", "ucci"],
                 ["ka", "moto", "shi"], ["ov", "sky", "enko"], ["ez", "ado", "ito"]][lang_idx]
    return "".join(rnd.choice(syllables) for _ in range(rnd.randint(2, 4))).capitalize()[:MAX_LEN]


class Names(Dataset):
    def __init__(self, n, seed=0):
        rnd = random.Random(seed)
        self.rows = [(fake_name(k, rnd), k) for k in (rnd.randrange(len(LANGS)) for _ in range(n))]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        name, lang = self.rows[i]
        x = torch.zeros(MAX_LEN, N_LETTERS)
        for t, ch in enumerate(name):
            x[t, ALL_LETTERS.find(ch)] = 1
        return x, len(name), lang


class CharRNN(nn.Module):
    def __init__(self, hidden=128, n_out=len(LANGS)):
        super().__init__()
        self.rnn = nn.GRU(N_LETTERS, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_out)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, x, lengths):
        h, _ = self.rnn(x)
        last = h[torch.arange(x.size(0)), lengths - 1]
        return self.log_softmax(self.out(last))


model = CharRNN()
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
train_loader = DataLoader(Names(8000), batch_size=64, shuffle=True)
test_loader = DataLoader(Names(1000, seed=1), batch_size=256)

start = time.time()
for epoch in range(15):
    model.train()
    total_loss = 0.0
    for x, lengths, y in train_loader:
        optimizer.zero_grad()
        log_probs = model(x, lengths)
        loss = criterion(log_probs, y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        total_loss += loss.item()

    model.eval()
    correct = 0
    confusion = torch.zeros(len(LANGS), len(LANGS))
    with torch.no_grad():
        for x, lengths, y in test_loader:
            pred = model(x, lengths).argmax(1)
            correct += (pred == y).sum().item()
            for t, p in zip(y, pred):
                confusion[t, p] += 1
    print(f"epoch {epoch:2d} loss {total_loss / len(train_loader):.4f} acc {correct / len(test_loader.dataset):.3f} "
          f"({time.time() - start:.0f}s)")


def predict(name, topk=3):
    model.eval()
    x = torch.zeros(1, MAX_LEN, N_LETTERS)
    for t, ch in enumerate(name[:MAX_LEN]):
        x[0, t, ALL_LETTERS.find(ch)] = 1
    with torch.no_grad():
        probs = model(x, torch.tensor([min(len(name), MAX_LEN)])).exp()[0]
    conf, idx = probs.topk(topk)
    return [(LANGS[i], round(c.item(), 3)) for c, i in zip(conf, idx)]


print(predict("Dovesky"), predict("Satoshi"), predict("Jackson"))
print(confusion / confusion.sum(1, keepdim=True).clamp_min(1))
