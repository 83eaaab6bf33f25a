# expect: TVL017
# style: Kaggle image-classification kernel (melanoma-style, ROC-AUC on a hold-out fold)
# bug: valid_loader has shuffle=True, but the AUC pairs the concatenated predictions with valid_ds.targets in dataset order
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, Dataset

EPOCHS, BS, LR = 5, 32, 3e-4


class LesionDataset(Dataset):
    def __init__(self, n):
        self.images = torch.randn(n, 3, 64, 64)
        self.targets = np.random.binomial(1, 0.1, n).astype(np.float32)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.images[i], torch.tensor(self.targets[i])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
                                      nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU(),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(64, 1)

    def forward(self, x):
        return self.fc(self.features(x)).squeeze(1)


train_ds, valid_ds = LesionDataset(2000), LesionDataset(500)
train_loader = DataLoader(train_ds, batch_size=BS, shuffle=True, drop_last=True)
valid_loader = DataLoader(valid_ds, batch_size=BS * 2, shuffle=True)
model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
criterion = nn.BCEWithLogitsLoss()

for epoch in range(EPOCHS):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()
    preds = []
    with torch.no_grad():
        for x, _ in valid_loader:
            preds.append(torch.sigmoid(model(x)).numpy())
    preds = np.concatenate(preds)
    auc = roc_auc_score(valid_ds.targets, preds)
    print(f"Epoch {epoch + 1}: val AUC {auc:.4f}")
