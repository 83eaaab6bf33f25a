# expect: TVL008
# style: multi-label image tagging (Kaggle style), inline loop
# bug: torch.sigmoid is applied to the outputs and the result is passed to nn.BCEWithLogitsLoss, which applies sigmoid again
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import f1_score
from torch.utils.data import DataLoader, TensorDataset

N_TAGS = 17
SEED = 2024
torch.manual_seed(SEED)
np.random.seed(SEED)

X = torch.randn(2400, 3, 64, 64)
Y = (torch.rand(2400, N_TAGS) < 0.15).float()
train_loader = DataLoader(TensorDataset(X[:2000], Y[:2000]), batch_size=32, shuffle=True)
valid_loader = DataLoader(TensorDataset(X[2000:], Y[2000:]), batch_size=64)


def conv_bn(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


net = nn.Sequential(
    conv_bn(3, 32), nn.MaxPool2d(2),
    conv_bn(32, 64), nn.MaxPool2d(2),
    conv_bn(64, 128), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(128, N_TAGS),
)
pos_weight = torch.full((N_TAGS,), 3.0)
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)

# per-tag positive rate, useful to eyeball class imbalance
print("positive rate per tag:", Y[:2000].mean(0).numpy().round(3))

best_f1 = 0.0
for epoch in range(8):
    net.train()
    running = 0.0
    for imgs, targets in train_loader:
        outputs = torch.sigmoid(net(imgs))
        loss = criterion(outputs, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()

    net.eval()
    preds, gts = [], []
    with torch.no_grad():
        for imgs, targets in valid_loader:
            preds.append((torch.sigmoid(net(imgs)) > 0.5).float().numpy())
            gts.append(targets.numpy())
    f1 = f1_score(np.concatenate(gts), np.concatenate(preds), average="samples", zero_division=0)
    if f1 > best_f1:
        best_f1 = f1
        torch.save(net.state_dict(), "tagger_best.pth")
    per_tag = (np.concatenate(preds) == np.concatenate(gts)).mean(0)
    worst = np.argsort(per_tag)[:3]
    print("worst tags:", {int(t): round(float(per_tag[t]), 3) for t in worst})
    print(f"epoch {epoch}: train loss {running/len(train_loader):.4f}  val F1 {f1:.4f}  best {best_f1:.4f}")
