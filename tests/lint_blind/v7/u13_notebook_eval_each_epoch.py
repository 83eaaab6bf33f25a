# expect: TVL004
# style: beginner notebook export, sentiment classification with a GRU
# bug: the epoch loop calls model.eval() for the validation block and model.train() is only called once before the loop, so dropout is disabled for every epoch after the first.
# coding: utf-8
import random

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

random.seed(0)
torch.manual_seed(0)

VOCAB, MAXLEN, N = 8000, 80, 6000
X = torch.randint(1, VOCAB, (N, MAXLEN))
y = torch.randint(0, 2, (N,)).float()
X_train, y_train = X[:5000], y[:5000]
X_val, y_val = X[5000:], y[5000:]

train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=256)


class SentimentGRU(nn.Module):
    def __init__(self, vocab, emb=100, hidden=128):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(hidden * 2, 1)

    def forward(self, x):
        e = self.dropout(self.embedding(x))
        _, h = self.gru(e)
        h = torch.cat([h[-2], h[-1]], dim=1)
        return self.fc(self.dropout(h)).squeeze(1)


model = SentimentGRU(VOCAB)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

train_losses, val_losses, val_accs = [], [], []
EPOCHS = 10

model.train()
for epoch in range(EPOCHS):
    epoch_loss = 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        out = model(xb)
        loss = criterion(out, yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5)
        optimizer.step()
        epoch_loss += loss.item()
    train_losses.append(epoch_loss / len(train_loader))

    # ---- validation ----
    model.eval()
    v_loss, v_correct = 0, 0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = model(xb)
            v_loss += criterion(out, yb).item()
            v_correct += ((torch.sigmoid(out) > 0.5).float() == yb).sum().item()
    val_losses.append(v_loss / len(val_loader))
    val_accs.append(v_correct / len(X_val))
    print(f"Epoch {epoch+1}/{EPOCHS}  train loss: {train_losses[-1]:.4f}  "
          f"val loss: {val_losses[-1]:.4f}  val acc: {val_accs[-1]:.4f}")

plt.plot(train_losses, label="train")
plt.plot(val_losses, label="val")
plt.legend()
plt.savefig("loss_curve.png")

plt.figure()
plt.plot(val_accs, marker="o")
plt.title("validation accuracy")
plt.xlabel("epoch")
plt.savefig("val_acc.png")

# save for the inference notebook
torch.save({"model_state": model.state_dict(), "vocab_size": VOCAB, "max_len": MAXLEN,
            "val_acc": val_accs[-1]}, "sentiment_gru.pt")
print("best epoch:", int(max(range(EPOCHS), key=lambda e: val_accs[e])) + 1)
