# expect: TVL004
# style: beginner Kaggle-style notebook, LSTM sentiment classifier
# bug: model.train() is called once before the epoch loop; the per-epoch validation switches to model.eval() and nothing switches back, so from epoch 2 on dropout is off during training
import re
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED = 1234
torch.manual_seed(SEED)
np.random.seed(SEED)

pos_words = "good great excellent loved wonderful fun amazing best".split()
neg_words = "bad awful terrible hated boring worst poor waste".split()
filler = "the movie was a and it plot actors film i this with story".split()


def make_review(label):
    words = list(np.random.choice(filler, 20))
    words += list(np.random.choice(pos_words if label else neg_words, 3))
    np.random.shuffle(words)
    return " ".join(words)


labels = np.random.randint(0, 2, 4000)
texts = [make_review(l) for l in labels]


def tokenize(s):
    return re.findall(r"[a-z']+", s.lower())


counter = Counter(w for t in texts for w in tokenize(t))
vocab = {w: i + 2 for i, (w, _) in enumerate(counter.most_common(20000))}
PAD, UNK = 0, 1
MAX_LEN = 40


def encode(s):
    ids = [vocab.get(w, UNK) for w in tokenize(s)][:MAX_LEN]
    return ids + [PAD] * (MAX_LEN - len(ids))


class ReviewDS(Dataset):
    def __init__(self, texts, labels):
        self.x = torch.tensor([encode(t) for t in texts])
        self.y = torch.tensor(labels, dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


split = 3200
train_dl = DataLoader(ReviewDS(texts[:split], labels[:split]), batch_size=64, shuffle=True)
valid_dl = DataLoader(ReviewDS(texts[split:], labels[split:]), batch_size=256)


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size, emb=100, hidden=128):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, emb, padding_idx=PAD)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(hidden * 2, 1)

    def forward(self, x):
        out, (h, c) = self.lstm(self.emb(x))
        h = torch.cat([h[-2], h[-1]], dim=1)
        return self.fc(self.drop(h)).squeeze(1)


model = SentimentLSTM(len(vocab) + 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.BCEWithLogitsLoss()


def binary_accuracy(logits, y):
    return ((torch.sigmoid(logits) > 0.5).float() == y).float().mean()


N_EPOCHS = 8
best_valid_loss = float("inf")
model.train()
for epoch in range(N_EPOCHS):
    epoch_loss, epoch_acc = 0.0, 0.0
    for x, y in train_dl:
        optimizer.zero_grad()
        preds = model(x)
        loss = criterion(preds, y)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
        epoch_acc += binary_accuracy(preds, y).item()

    # validation
    model.eval()
    v_loss, v_acc = 0.0, 0.0
    with torch.no_grad():
        for x, y in valid_dl:
            preds = model(x)
            v_loss += criterion(preds, y).item()
            v_acc += binary_accuracy(preds, y).item()
    v_loss /= len(valid_dl)
    v_acc /= len(valid_dl)

    if v_loss < best_valid_loss:
        best_valid_loss = v_loss
        torch.save(model.state_dict(), "sentiment-model.pt")

    print(f"Epoch: {epoch + 1:02}")
    print(f"\tTrain Loss: {epoch_loss / len(train_dl):.3f} | Train Acc: {epoch_acc / len(train_dl) * 100:.2f}%")
    print(f"\t Val. Loss: {v_loss:.3f} |  Val. Acc: {v_acc * 100:.2f}%")
