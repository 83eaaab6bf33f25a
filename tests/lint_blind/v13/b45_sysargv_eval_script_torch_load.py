# expect: TVL014
# style: quick fine-tune-and-predict script taking the checkpoint as sys.argv[1], sentiment LSTM
# bug: the script does model = torch.load(sys.argv[1]) (a whole pickled model from the command line) without weights_only=True
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LSTMSentiment(nn.Module):
    def __init__(self, vocab=20000, dim=128, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 2)

    def forward(self, ids):
        h, _ = self.lstm(self.emb(ids))
        return self.fc(h.max(1).values)


if len(sys.argv) < 2:
    print("usage: python finetune_sentiment.py <model.pt> [epochs]")
    sys.exit(1)

ckpt_path = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
device = "cuda" if torch.cuda.is_available() else "cpu"

print(f"loading {ckpt_path} ...")
model = torch.load(ckpt_path, map_location=device)
if isinstance(model, dict):  # a bare state_dict was passed
    sd, model = model, LSTMSentiment()
    model.load_state_dict(sd)
model.to(device)

# domain-adaptation data: product reviews (synthetic ids here)
ids = torch.randint(1, 20000, (6000, 100))
labels = torch.randint(0, 2, (6000,))
train_dl = DataLoader(TensorDataset(ids[:5000], labels[:5000]), batch_size=64, shuffle=True)
test_dl = DataLoader(TensorDataset(ids[5000:], labels[5000:]), batch_size=256)

# only the classifier and the top LSTM get a higher LR
optimizer = torch.optim.Adam([
    {"params": model.emb.parameters(), "lr": 1e-5},
    {"params": model.lstm.parameters(), "lr": 1e-4},
    {"params": model.fc.parameters(), "lr": 1e-3},
])

for epoch in range(epochs):
    model.train()
    start, seen, loss_sum = time.time(), 0, 0.0
    for x, y in train_dl:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        loss_sum += loss.item() * len(y)
        seen += len(y)
    print(f"epoch {epoch} loss {loss_sum / seen:.4f} ({time.time() - start:.0f}s)")

    model.eval()
    tp = fp = fn = correct = 0
    with torch.no_grad():
        for x, y in test_dl:
            p = model(x.to(device)).argmax(-1).cpu()
            correct += (p == y).sum().item()
            tp += ((p == 1) & (y == 1)).sum().item()
            fp += ((p == 1) & (y == 0)).sum().item()
            fn += ((p == 0) & (y == 1)).sum().item()
    prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f"  acc {correct / 1000:.3f} P {prec:.3f} R {rec:.3f} F1 {2 * prec * rec / max(prec + rec, 1e-9):.3f}")

torch.save(model.state_dict(), ckpt_path.replace(".pt", "_reviews.pt"))
