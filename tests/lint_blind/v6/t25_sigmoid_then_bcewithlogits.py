# expect: TVL008
# style: Kaggle kernel, multi-label toxic comment tagging with a BiGRU
# bug: the training loop applies torch.sigmoid to the outputs and then passes them to nn.BCEWithLogitsLoss, which applies a second sigmoid.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
MAX_LEN, VOCAB = 100, 20000
np.random.seed(2020)
torch.manual_seed(2020)

X = torch.randint(1, VOCAB, (12000, MAX_LEN))
Y = (torch.rand(12000, len(LABELS)) < 0.1).float()
train_ds = TensorDataset(X[:10000], Y[:10000])
valid_ds = TensorDataset(X[10000:], Y[10000:])
train_loader = DataLoader(train_ds, batch_size=128, shuffle=True, drop_last=True)
valid_loader = DataLoader(valid_ds, batch_size=512, shuffle=False)


class BiGRUTagger(nn.Module):
    def __init__(self, vocab, emb=200, hidden=96, n_out=len(LABELS)):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.drop = nn.Dropout(0.2)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(4 * hidden, n_out)

    def forward(self, x):
        h, _ = self.gru(self.drop(self.embedding(x)))
        pooled = torch.cat([h.mean(1), h.max(1).values], dim=1)
        return self.linear(pooled)


def column_auc(y_true, y_score):
    order = np.argsort(-y_score)
    y = y_true[order]
    pos = y.sum()
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = np.arange(1, len(y) + 1)
    return float(1 - (ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


model = BiGRUTagger(VOCAB)
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(4):
    model.train()
    avg_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        y_pred = torch.sigmoid(model(xb))
        loss = loss_fn(y_pred, yb)
        loss.backward()
        optimizer.step()
        avg_loss += loss.item() / len(train_loader)

    model.eval()
    preds = []
    with torch.no_grad():
        for xb, _ in valid_loader:
            preds.append(torch.sigmoid(model(xb)).numpy())
    preds = np.concatenate(preds)
    y_valid = valid_ds.tensors[1].numpy()
    aucs = [column_auc(y_valid[:, j], preds[:, j]) for j in range(len(LABELS))]
    print(f"Epoch {epoch + 1}  loss={avg_loss:.4f}  mean AUC={np.nanmean(aucs):.4f}")
