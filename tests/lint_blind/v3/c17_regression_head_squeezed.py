# expect: clean
# style: Kaggle house-prices / tabular regression kernel (log1p target, MLP with Linear(..., 1), RMSE on validation)
# note: the (B, 1) output of the Linear(..., 1) head is squeezed to (B,) inside forward, matching the 1-D target; val loader unshuffled
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

EPOCHS, BATCH, LR = 40, 64, 1e-3


class Regressor(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU())
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        return self.out(self.net(x)).squeeze(-1)


def to_loader(X, y, shuffle):
    ds = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32))
    return DataLoader(ds, batch_size=BATCH, shuffle=shuffle)


if __name__ == "__main__":
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(1460, 30)), columns=[f"x{i}" for i in range(30)])
    df["SalePrice"] = np.exp(12 + 0.3 * df.x0 + 0.1 * rng.normal(size=len(df)))
    X = df.drop(columns="SalePrice").values
    y = np.log1p(df["SalePrice"].values)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=1)
    mu, sd = X_tr.mean(0), X_tr.std(0) + 1e-6
    train_loader = to_loader((X_tr - mu) / sd, y_tr, shuffle=True)
    valid_loader = to_loader((X_va - mu) / sd, y_va, shuffle=False)
    model = Regressor(X.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=1e-4)
    criterion = nn.MSELoss()
    for epoch in range(EPOCHS):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            preds = torch.cat([model(xb) for xb, _ in valid_loader]).numpy()
        rmse = np.sqrt(np.mean((preds - y_va) ** 2))
        if epoch % 5 == 0:
            print(f"epoch {epoch:02d} valid RMSE(log) {rmse:.4f}")
