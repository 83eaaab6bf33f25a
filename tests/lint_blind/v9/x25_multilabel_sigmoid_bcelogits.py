# expect: TVL008
# style: multi-label chest X-ray style classifier, inline training loop with AUC metric
# bug: the model output is passed through torch.sigmoid before BCEWithLogitsLoss, which applies its own sigmoid.
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

LABELS = ["atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule", "pneumonia"]
device = "cuda" if torch.cuda.is_available() else "cpu"


class DenseLite(nn.Module):
    def __init__(self, n_out):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(1, 32, 5, 2, 2), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.cls = nn.Linear(128, n_out)

    def forward(self, x):
        return self.cls(self.f(x))


X = torch.randn(3000, 1, 128, 128)
Y = (torch.rand(3000, len(LABELS)) < 0.15).float()
train_dl = DataLoader(TensorDataset(X[:2500], Y[:2500]), batch_size=32, shuffle=True)
val_dl = DataLoader(TensorDataset(X[2500:], Y[2500:]), batch_size=64)

pos_weight = ((1 - Y[:2500].mean(0)) / Y[:2500].mean(0).clamp_min(1e-3)).to(device)
model = DenseLite(len(LABELS)).to(device)
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

best_auc, patience, bad = 0.0, 4, 0
history = []

for epoch in range(15):
    model.train()
    running = 0.0
    for xb, yb in train_dl:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        probs = torch.sigmoid(model(xb))
        loss = criterion(probs, yb)
        loss.backward()
        optimizer.step()
        running += loss.item()

    model.eval()
    all_p, all_y = [], []
    with torch.no_grad():
        for xb, yb in val_dl:
            all_p.append(torch.sigmoid(model(xb.to(device))).cpu().numpy())
            all_y.append(yb.numpy())
    P, T = np.concatenate(all_p), np.concatenate(all_y)
    aucs = []
    for k in range(len(LABELS)):
        if 0 < T[:, k].sum() < len(T):
            aucs.append(roc_auc_score(T[:, k], P[:, k]))
    print(f"epoch {epoch} loss {running / len(train_dl):.4f} mean AUC {np.mean(aucs):.4f}")
    mean_auc = float(np.mean(aucs))
    history.append(mean_auc)
    if mean_auc > best_auc:
        best_auc, bad = mean_auc, 0
        torch.save(model.state_dict(), "denselite_best.pth")
    else:
        bad += 1
        if bad >= patience:
            print(f"early stopping at epoch {epoch}")
            break

# per-label AUC of the last evaluated epoch
for k, name in enumerate(LABELS):
    if 0 < T[:, k].sum() < len(T):
        print(f"{name:>14s}: AUC {roc_auc_score(T[:, k], P[:, k]):.4f}  prevalence {T[:, k].mean():.3f}")
print("best mean AUC", best_auc)
