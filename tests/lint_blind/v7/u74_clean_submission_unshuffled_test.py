# expect: clean
# style: Kaggle kernel with a predict() helper and submission.csv, tabular insurance-claim regression
# note: predictions are paired with test_df["id"] in the dataframe's order, which looks like TVL017, but the test loader is built with shuffle=False (only the train loader shuffles), so the order matches.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

np.random.seed(0)
torch.manual_seed(0)
NUM = [f"cont{i}" for i in range(14)]
train_df = pd.DataFrame(np.random.rand(20000, 14), columns=NUM)
train_df["loss"] = np.exp(train_df[NUM].values @ np.random.rand(14) + np.random.rand(20000))
test_df = pd.DataFrame(np.random.rand(5000, 14), columns=NUM)
test_df.insert(0, "id", np.arange(300000, 305000))

mu, sd = train_df[NUM].mean(), train_df[NUM].std()
X = torch.tensor(((train_df[NUM] - mu) / sd).values, dtype=torch.float32)
y = torch.tensor(np.log1p(train_df["loss"].values), dtype=torch.float32)
X_test = torch.tensor(((test_df[NUM] - mu) / sd).values, dtype=torch.float32)

train_loader = DataLoader(TensorDataset(X, y), batch_size=512, shuffle=True)
test_loader = DataLoader(TensorDataset(X_test), batch_size=2048, shuffle=False)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Sequential(nn.Linear(14, 256), nn.PReLU(), nn.Dropout(0.2), nn.Linear(256, 64), nn.PReLU(),
                               nn.Linear(64, 1))

    def forward(self, x):
        return self.m(x).view(-1)


def predict(model, loader):
    model.eval()
    out = []
    with torch.no_grad():
        for (xb,) in loader:
            out.append(model(xb))
    return torch.expm1(torch.cat(out)).numpy()


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
crit = nn.L1Loss()
for epoch in range(12):
    model.train()
    tot = 0.0
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = crit(model(xb), yb)
        loss.backward()
        opt.step()
        tot += loss.item() * len(xb)
    print(f"epoch {epoch:2d} train MAE(log) {tot / len(X):.4f}")

sub = pd.DataFrame({"id": test_df["id"], "loss": predict(model, test_loader)})
sub.to_csv("submission.csv", index=False)
print(sub.describe())

# ---- sanity checks before uploading ----
assert len(sub) == len(test_df), "row count mismatch"
assert sub["id"].is_unique, "duplicate ids"
assert np.isfinite(sub["loss"]).all(), "non-finite predictions"
train_q = np.percentile(train_df["loss"], [5, 50, 95])
test_q = np.percentile(sub["loss"], [5, 50, 95])
print("train target quantiles:", np.round(train_q, 2))
print("test  pred   quantiles:", np.round(test_q, 2))
if abs(np.log(test_q[1]) - np.log(train_q[1])) > 1.0:
    print("WARNING: median prediction far from train median, check preprocessing")
torch.save(model.state_dict(), "mlp_l1.pth")
