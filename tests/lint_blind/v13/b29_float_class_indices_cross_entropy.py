# expect: TVL009
# style: pandas-to-tensor notebook export, customer churn/segment classification with integer-coded classes
# bug: the class labels are converted with torch.tensor(..., dtype=torch.float32) and passed as class indices to F.cross_entropy
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(7)
n = 12000
df = pd.DataFrame({
    "tenure": rng.integers(0, 72, n),
    "monthly": rng.uniform(20, 120, n),
    "support_calls": rng.poisson(1.5, n),
    "contract": rng.choice(["month", "year", "two_year"], n),
    "segment": rng.choice(["stay", "downgrade", "churn"], n, p=[0.6, 0.25, 0.15]),
})
df = pd.get_dummies(df, columns=["contract"], dtype=float)
seg_map = {"stay": 0, "downgrade": 1, "churn": 2}
df["target"] = df["segment"].map(seg_map)

feature_cols = [c for c in df.columns if c not in ("segment", "target")]
X = df[feature_cols].astype(np.float32).values
X = (X - X.mean(0)) / (X.std(0) + 1e-6)
y = df["target"].values

X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)

train_ds = TensorDataset(torch.tensor(X_tr), torch.tensor(y_tr, dtype=torch.float32))
valid_ds = TensorDataset(torch.tensor(X_va), torch.tensor(y_va, dtype=torch.float32))
train_dl = DataLoader(train_ds, batch_size=128, shuffle=True)
valid_dl = DataLoader(valid_ds, batch_size=512)

model = nn.Sequential(
    nn.Linear(X.shape[1], 64), nn.ReLU(), nn.Dropout(0.1),
    nn.Linear(64, 32), nn.ReLU(),
    nn.Linear(32, 3),
)
# inverse-frequency class weights, normalised so the majority class has weight 1
counts = np.bincount(y_tr, minlength=3)
class_weights = torch.tensor(counts.max() / counts, dtype=torch.float32)
print("class counts:", dict(zip(seg_map, counts)), "weights:", class_weights.numpy().round(2))

optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
best_recall, patience, bad_epochs = 0.0, 5, 0

for epoch in range(25):
    model.train()
    ep_loss = 0.0
    for xb, yb in train_dl:
        logits = model(xb)
        loss = F.cross_entropy(logits, yb, weight=class_weights)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        ep_loss += loss.item() * len(xb)

    model.eval()
    with torch.no_grad():
        preds = torch.cat([model(xb).argmax(1) for xb, _ in valid_dl])
    acc = (preds.numpy() == y_va).mean()
    recall_churn = ((preds.numpy() == 2) & (y_va == 2)).sum() / max((y_va == 2).sum(), 1)
    print(f"epoch {epoch:02d} loss={ep_loss / len(train_ds):.4f} acc={acc:.3f} churn_recall={recall_churn:.3f}")
    if recall_churn > best_recall:
        best_recall, bad_epochs = recall_churn, 0
        torch.save(model.state_dict(), "churn_mlp.pt")
    else:
        bad_epochs += 1
        if bad_epochs >= patience:
            print("early stopping")
            break

# In[ ]:
model.load_state_dict(torch.load("churn_mlp.pt", weights_only=True))
model.eval()
with torch.no_grad():
    final_preds = torch.cat([model(xb).argmax(1) for xb, _ in valid_dl]).numpy()
cm = pd.crosstab(pd.Series(y_va, name="true"), pd.Series(final_preds, name="pred"))
cm.index = [k for k in seg_map][: len(cm.index)]
print(cm)
