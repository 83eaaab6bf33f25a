# expect: clean
# style: Kaggle-style multi-label chest X-ray training with a compute_metrics helper, BCEWithLogitsLoss
# note: torch.sigmoid(outputs) appears right next to the BCEWithLogitsLoss call, which looks like TVL008, but the loss receives the raw logits; the sigmoid copy is only passed (detached) to the AUC/F1 metric helper.
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import f1_score, roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

FINDINGS = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
            "Pneumothorax", "Consolidation", "Edema"]
device = "cuda" if torch.cuda.is_available() else "cpu"


def compute_metrics(probs, targets, thr=0.5):
    aucs = []
    for k in range(targets.shape[1]):
        if 0 < targets[:, k].sum() < len(targets):
            aucs.append(roc_auc_score(targets[:, k], probs[:, k]))
    return {"mAUC": float(np.mean(aucs)) if aucs else float("nan"),
            "microF1": f1_score(targets, probs > thr, average="micro", zero_division=0)}


def best_thresholds(probs, targets, grid=np.linspace(0.05, 0.95, 19)):
    """Per-finding threshold that maximises F1 on the given split."""
    out = []
    for k in range(targets.shape[1]):
        scores = [f1_score(targets[:, k], probs[:, k] > t, zero_division=0) for t in grid]
        out.append(float(grid[int(np.argmax(scores))]))
    return np.array(out)


class CXRNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(1, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.out = nn.Linear(128, len(FINDINGS))

    def forward(self, x):
        return self.out(self.f(x))


X = torch.randn(3000, 1, 128, 128)
Y = (torch.rand(3000, len(FINDINGS)) < 0.1).float()
train_loader = DataLoader(TensorDataset(X[:2500], Y[:2500]), batch_size=32, shuffle=True)
valid_loader = DataLoader(TensorDataset(X[2500:], Y[2500:]), batch_size=128)

model = CXRNet().to(device)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

for epoch in range(10):
    model.train()
    tr_probs, tr_targets, tr_loss = [], [], 0.0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        outputs = model(images)
        probs = torch.sigmoid(outputs)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        tr_loss += loss.item()
        tr_probs.append(probs.detach().cpu().numpy())
        tr_targets.append(labels.cpu().numpy())
    train_m = compute_metrics(np.concatenate(tr_probs), np.concatenate(tr_targets))

    model.eval()
    va_probs, va_targets = [], []
    with torch.no_grad():
        for images, labels in valid_loader:
            va_probs.append(torch.sigmoid(model(images.to(device))).cpu().numpy())
            va_targets.append(labels.numpy())
    valid_m = compute_metrics(np.concatenate(va_probs), np.concatenate(va_targets))
    print(f"epoch {epoch}: loss {tr_loss / len(train_loader):.4f} train {train_m} valid {valid_m}")

thr = best_thresholds(np.concatenate(va_probs), np.concatenate(va_targets))
print({f: round(t, 2) for f, t in zip(FINDINGS, thr)})
torch.save({"model": model.state_dict(), "thresholds": thr.tolist()}, "cxr_multilabel.pt")
