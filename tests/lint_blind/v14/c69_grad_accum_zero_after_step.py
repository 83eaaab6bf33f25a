# expect: clean
# style: beginner-friendly gradient accumulation loop, medical image (chest x-ray) multi-label classifier
# note: zero_grad() is not called every iteration and backward() runs several times per step, but it is deliberate accumulation: zero_grad() follows each optimizer.step() every ACCUM iterations and the tail is flushed
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

FINDINGS = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia"]
ACCUM = 8          # effective batch = 8 * 8 = 64 on a small GPU
EPOCHS = 6
device = "cuda" if torch.cuda.is_available() else "cpu"

imgs = torch.rand(2000, 1, 128, 128)
labels = (torch.rand(2000, len(FINDINGS)) < 0.15).float()
train_loader = DataLoader(TensorDataset(imgs[:1700], labels[:1700]), batch_size=8, shuffle=True)
val_loader = DataLoader(TensorDataset(imgs[1700:], labels[1700:]), batch_size=64)

model = nn.Sequential(
    nn.Conv2d(1, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
    nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
    nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(256, len(FINDINGS)),
).to(device)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
best_auc = 0.0
history = []
print(f"micro-batch 8, accumulation {ACCUM}, {len(train_loader)} micro-batches per epoch")

for epoch in range(EPOCHS):
    model.train()
    optimizer.zero_grad()
    running = 0.0
    n_batches = len(train_loader)
    for i, (x, y) in enumerate(train_loader):
        x, y = x.to(device), y.to(device)
        loss = criterion(model(x), y) / ACCUM
        loss.backward()
        running += loss.item() * ACCUM
        if (i + 1) % ACCUM == 0 or (i + 1) == n_batches:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
            optimizer.step()
            optimizer.zero_grad()

    model.eval()
    all_p, all_y = [], []
    with torch.no_grad():
        for x, y in val_loader:
            all_p.append(torch.sigmoid(model(x.to(device))).cpu().numpy())
            all_y.append(y.numpy())
    P, Y = np.concatenate(all_p), np.concatenate(all_y)
    aucs = [roc_auc_score(Y[:, k], P[:, k]) if 0 < Y[:, k].sum() < len(Y) else float("nan") for k in range(len(FINDINGS))]
    print(f"epoch {epoch}: loss {running / n_batches:.4f} mean AUC {np.nanmean(aucs):.4f}")
    for name, a in zip(FINDINGS, aucs):
        print(f"   {name:13s} {a:.3f}")
    history.append(float(np.nanmean(aucs)))
    if history[-1] > best_auc:
        best_auc = history[-1]
        torch.save(model.state_dict(), "cxr_best.pt")
        print(f"   new best mean AUC {best_auc:.4f}, saved")

torch.save(model.state_dict(), "cxr_model.pt")
print("AUC history:", [round(a, 4) for a in history])
