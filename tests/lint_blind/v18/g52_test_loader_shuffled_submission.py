# expect: TVL017
# style: Kaggle competition notebook, tabular/image hybrid; writes submission.csv from test predictions
# bug: the test DataLoader has shuffle=True, but predictions are concatenated in loader order and written next to test_df["id"] in the frame's original order, so ids and predictions are mismatched.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED = 2024
BATCH = 64
EPOCHS = 6
torch.manual_seed(SEED)
np.random.seed(SEED)

# ---------------------------------------------------------------- fake competition data
N_TRAIN, N_TEST, N_FEAT = 5000, 1500, 16
train_df = pd.DataFrame(np.random.randn(N_TRAIN, N_FEAT), columns=[f"f{i}" for i in range(N_FEAT)])
train_df["id"] = np.arange(N_TRAIN)
train_df["target"] = (train_df.f0 * 2 - train_df.f3 + np.random.randn(N_TRAIN) * 0.5 > 0).astype(int)
test_df = pd.DataFrame(np.random.randn(N_TEST, N_FEAT), columns=[f"f{i}" for i in range(N_FEAT)])
test_df["id"] = np.arange(N_TRAIN, N_TRAIN + N_TEST)
FEATS = [f"f{i}" for i in range(N_FEAT)]


class TabDS(Dataset):
    def __init__(self, df, has_target=True):
        self.x = torch.tensor(df[FEATS].values, dtype=torch.float32)
        self.y = torch.tensor(df["target"].values, dtype=torch.float32) if has_target else None

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]


model = nn.Sequential(
    nn.Linear(N_FEAT, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3),
    nn.Linear(128, 64), nn.ReLU(),
    nn.Linear(64, 1),
)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
train_loader = DataLoader(TabDS(train_df), batch_size=BATCH, shuffle=True)

for epoch in range(EPOCHS):
    model.train()
    losses = []
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb).squeeze(-1), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"epoch {epoch}: train loss {np.mean(losses):.4f}")

# ---------------------------------------------------------------- inference
test_loader = DataLoader(TabDS(test_df, has_target=False), batch_size=BATCH, shuffle=True)
model.eval()
preds = []
with torch.no_grad():
    for xb in test_loader:
        preds.append(torch.sigmoid(model(xb).squeeze(-1)).numpy())
preds = np.concatenate(preds)

submission = pd.DataFrame({"id": test_df["id"].values, "target": preds})
submission.to_csv("submission.csv", index=False)
print(submission.head())
print("mean prediction", preds.mean())
