# expect: clean
# style: PyTorch-tutorial-style char RNN classifying surnames by language
# note: the model applies a softmax-family layer before the loss, but it is LogSoftmax feeding NLLLoss, which is the intended pairing
import random
import string
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
LANGS = ["English", "French", "German", "Italian", "Japanese", "Russian", "Spanish"]
random.seed(0)


def fake_name(lang_idx):
    L = random.randint(3, 10)
    base = string.ascii_lowercase[lang_idx * 3: lang_idx * 3 + 6]
    return "".join(random.choice(base if random.random() < 0.7 else string.ascii_lowercase) for _ in range(L)).title()


class Names(Dataset):
    def __init__(self, n):
        self.items = [(fake_name(c), c) for c in (random.randrange(len(LANGS)) for _ in range(n))]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        name, lang = self.items[i]
        return torch.tensor([all_letters.find(ch) for ch in name]), lang


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=0)
    return padded, lengths, torch.tensor(labels)


class NameRNN(nn.Module):
    def __init__(self, hidden=128, n_out=len(LANGS)):
        super().__init__()
        self.emb = nn.Embedding(n_letters, 32)
        self.rnn = nn.GRU(32, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_out)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.emb(x), lengths, batch_first=True, enforce_sorted=False)
        _, h = self.rnn(packed)
        return self.log_softmax(self.out(h[-1]))


train_loader = DataLoader(Names(20000), batch_size=64, shuffle=True, collate_fn=collate)
test_loader = DataLoader(Names(2000), batch_size=256, collate_fn=collate)
rnn = NameRNN()
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.05, momentum=0.9)

start = time.time()
for epoch in range(12):
    rnn.train()
    current_loss = 0.0
    for x, lengths, y in train_loader:
        output = rnn(x, lengths)
        loss = criterion(output, y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(rnn.parameters(), 5.0)
        optimizer.step()
        current_loss += loss.item()
    rnn.eval()
    confusion = torch.zeros(len(LANGS), len(LANGS))
    with torch.no_grad():
        for x, lengths, y in test_loader:
            guess = rnn(x, lengths).argmax(1)
            for t, p in zip(y, guess):
                confusion[t, p] += 1
    acc = confusion.diag().sum() / confusion.sum()
    print(f"{epoch} {time.time() - start:.0f}s loss {current_loss / len(train_loader):.4f} acc {acc:.3f}")

confusion = confusion / confusion.sum(1, keepdim=True)
for i, lang in enumerate(LANGS):
    print(f"{lang:10s} {confusion[i, i]:.2f}")
