# expect: TVL008
# style: beginner notebook, multi-label chest-X-ray-like classification with a small CNN
# bug: outputs are passed through torch.sigmoid and then into nn.BCEWithLogitsLoss, which applies sigmoid again.
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

LABELS = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule"]
N_TRAIN, N_VAL = 3000, 600
torch.manual_seed(3)


def fake_xrays(n):
    y = (torch.rand(n, len(LABELS)) < 0.2).float()
    x = torch.randn(n, 1, 64, 64) * 0.5
    for k in range(len(LABELS)):
        x[:, 0, 8 * k:8 * k + 6, 10:50] += y[:, k].view(-1, 1, 1)
    return x, y


x_tr, y_tr = fake_xrays(N_TRAIN)
x_va, y_va = fake_xrays(N_VAL)
train_dl = DataLoader(TensorDataset(x_tr, y_tr), batch_size=32, shuffle=True)
val_dl = DataLoader(TensorDataset(x_va, y_va), batch_size=64)

model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4),
    nn.Flatten(),
    nn.Linear(64 * 16, 128), nn.ReLU(), nn.Dropout(0.3),
    nn.Linear(128, len(LABELS)),
)

pos_weight = ((1 - y_tr).sum(0) / y_tr.sum(0).clamp(min=1)).clamp(max=10)
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(10):
    model.train()
    epoch_loss = 0
    for xb, yb in train_dl:
        optimizer.zero_grad()
        probs = torch.sigmoid(model(xb))
        loss = criterion(probs, yb)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()

    model.eval()
    all_p, all_y = [], []
    with torch.no_grad():
        for xb, yb in val_dl:
            all_p.append(torch.sigmoid(model(xb)))
            all_y.append(yb)
    P = torch.cat(all_p).numpy()
    Y = torch.cat(all_y).numpy()
    aucs = []
    for k, name in enumerate(LABELS):
        if 0 < Y[:, k].sum() < len(Y):
            aucs.append(roc_auc_score(Y[:, k], P[:, k]))
    print(f"Epoch {epoch + 1}: loss={epoch_loss / len(train_dl):.4f}  mean AUC={np.mean(aucs):.4f}")

torch.save(model.state_dict(), "xray_multilabel.pt")
per_class = {name: float(a) for name, a in zip(LABELS, aucs)}
print(per_class)
