# expect: clean
# style: Kaggle multi-label notebook (BCEWithLogitsLoss on raw logits; sigmoid only for F1 / thresholding)
# note: torch.sigmoid appears right next to the loss, but only on detached outputs for metrics, never as the loss input
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import f1_score
from torch.utils.data import DataLoader, TensorDataset

N_LABELS, EPOCHS, THRESH = 6, 6, 0.5


class ToxicHead(nn.Module):
    def __init__(self, vocab=20000, dim=128):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.fc = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Dropout(0.2), nn.Linear(dim, N_LABELS))

    def forward(self, tokens):
        return self.fc(self.emb(tokens))


tokens = torch.randint(0, 20000, (5000, 50))
targets = (torch.rand(5000, N_LABELS) < 0.1).float()
train_loader = DataLoader(TensorDataset(tokens[:4000], targets[:4000]), batch_size=64, shuffle=True)
valid_loader = DataLoader(TensorDataset(tokens[4000:], targets[4000:]), batch_size=256)

model = ToxicHead()
criterion = nn.BCEWithLogitsLoss(pos_weight=torch.full((N_LABELS,), 3.0))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(EPOCHS):
    model.train()
    tr_preds, tr_true, tr_loss = [], [], 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        tr_loss += loss.item()
        tr_preds.append((torch.sigmoid(logits.detach()) > THRESH).numpy())
        tr_true.append(yb.numpy())
    model.eval()
    va_preds, va_true = [], []
    with torch.no_grad():
        for xb, yb in valid_loader:
            va_preds.append((torch.sigmoid(model(xb)) > THRESH).numpy())
            va_true.append(yb.numpy())
    tr_f1 = f1_score(np.vstack(tr_true), np.vstack(tr_preds), average="micro", zero_division=0)
    va_f1 = f1_score(np.vstack(va_true), np.vstack(va_preds), average="micro", zero_division=0)
    print(f"epoch {epoch}: loss {tr_loss / len(train_loader):.4f} train F1 {tr_f1:.4f} valid F1 {va_f1:.4f}")
