# expect: clean
# style: Kaggle point-cloud classification kernel (PointNet) with train/valid/test loaders and a submission file keyed by sample id
# note: only the training loader shuffles; the test loader keeps dataset order (shuffle=False), so predictions line up with test_ids; evaluate() sets eval() and train_one_epoch() sets train()
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

NUM_CLASSES, NUM_POINTS = 10, 512


class PointNetCls(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 512, 1), nn.BatchNorm1d(512))
        self.mlp2 = nn.Sequential(nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3),
                                  nn.Linear(256, NUM_CLASSES))

    def forward(self, x):
        return self.mlp2(torch.max(self.mlp1(x), dim=2).values)


def train_one_epoch(model, loader, optimizer):
    model.train()
    total = 0.0
    for pts, y in loader:
        loss = F.cross_entropy(model(pts), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * y.size(0)
    return total / len(loader.dataset)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    preds = [model(pts).argmax(1) for pts, *_ in loader]
    return torch.cat(preds).numpy()


if __name__ == "__main__":
    pts = torch.randn(3000, 3, NUM_POINTS)
    labels = torch.randint(0, NUM_CLASSES, (3000,))
    test_pts = torch.randn(600, 3, NUM_POINTS)
    test_ids = [f"pc_{i:05d}" for i in range(600)]
    train_loader = DataLoader(TensorDataset(pts[:2600], labels[:2600]), batch_size=32, shuffle=True, drop_last=True)
    valid_loader = DataLoader(TensorDataset(pts[2600:], labels[2600:]), batch_size=64, shuffle=False)
    test_loader = DataLoader(TensorDataset(test_pts), batch_size=64, shuffle=False)
    model = PointNetCls()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    for epoch in range(30):
        tr = train_one_epoch(model, train_loader, optimizer)
        scheduler.step()
        acc = (evaluate(model, valid_loader) == labels[2600:].numpy()).mean()
        print(f"epoch {epoch}: train loss {tr:.4f} valid acc {acc:.4f}")
    sub = pd.DataFrame({"id": test_ids, "label": evaluate(model, test_loader)})
    sub.to_csv("submission.csv", index=False)
    print(sub.head(), np.bincount(sub["label"], minlength=NUM_CLASSES))
