# expect: TVL008
# style: notebook-style multi-label movie-genre classifier from plot embeddings
# bug: the training loop applies torch.sigmoid to the logits and then passes the probabilities to nn.BCEWithLogitsLoss, which applies a sigmoid again.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader, TensorDataset

GENRES = ["action", "comedy", "drama", "horror", "romance", "sci-fi", "thriller", "animation"]
EMB_DIM = 384

rng = np.random.default_rng(7)
n = 6000
emb = rng.normal(size=(n, EMB_DIM)).astype(np.float32)
W = rng.normal(size=(EMB_DIM, len(GENRES)))
labels = ((emb @ W + rng.normal(size=(n, len(GENRES))) * 3) > 4).astype(np.float32)
df = pd.DataFrame({"movie_id": np.arange(n)})
print("label frequency:", dict(zip(GENRES, labels.mean(0).round(3))))

idx = rng.permutation(n)
tr_idx, va_idx = idx[:5000], idx[5000:]
train_dl = DataLoader(TensorDataset(torch.from_numpy(emb[tr_idx]), torch.from_numpy(labels[tr_idx])),
                      batch_size=128, shuffle=True)
valid_dl = DataLoader(TensorDataset(torch.from_numpy(emb[va_idx]), torch.from_numpy(labels[va_idx])),
                      batch_size=512)


class GenreHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(EMB_DIM, 512), nn.GELU(), nn.Dropout(0.2),
                                 nn.Linear(512, 256), nn.GELU(), nn.Linear(256, len(GENRES)))

    def forward(self, x):
        return self.mlp(x)


model = GenreHead()
pos_weight = torch.from_numpy((1 - labels[tr_idx].mean(0)) / labels[tr_idx].mean(0).clip(1e-3)).float()
loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)

for epoch in range(15):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_dl:
        logits = model(xb)
        probs = torch.sigmoid(logits)
        loss = loss_fn(probs, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item() * len(xb)

    model.eval()
    all_p, all_y = [], []
    with torch.no_grad():
        for xb, yb in valid_dl:
            all_p.append(torch.sigmoid(model(xb)).numpy())
            all_y.append(yb.numpy())
    P, Y = np.concatenate(all_p), np.concatenate(all_y)
    maps = [average_precision_score(Y[:, k], P[:, k]) for k in range(len(GENRES)) if Y[:, k].sum() > 0]
    print(f"epoch {epoch:2d} loss {epoch_loss / len(tr_idx):.4f} mAP {np.mean(maps):.4f}")

# per-genre report on the validation split
report = pd.DataFrame({
    "genre": GENRES,
    "support": Y.sum(0).astype(int),
    "ap": [average_precision_score(Y[:, k], P[:, k]) if Y[:, k].sum() > 0 else np.nan for k in range(len(GENRES))],
    "pred_rate@0.5": (P > 0.5).mean(0).round(3),
})
print(report.sort_values("ap", ascending=False).to_string(index=False))
torch.save({"model": model.state_dict(), "genres": GENRES}, "genre_head.pt")
