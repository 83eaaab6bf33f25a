# expect: TVL002
# style: gradient-boosting-style neural net (soft oblivious trees) behind a scikit-learn-like fit/predict wrapper
# bug: fit() computes the loss from _raw_scores(), which returns detached numpy scores re-wrapped with torch.from_numpy, so no gradient reaches the trees
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SoftTreeEnsemble(nn.Module):
    def __init__(self, n_features, n_trees=64, depth=4):
        super().__init__()
        self.depth = depth
        self.feature_logits = nn.Parameter(torch.randn(n_trees, depth, n_features) * 0.01)
        self.thresholds = nn.Parameter(torch.zeros(n_trees, depth))
        self.leaf_values = nn.Parameter(torch.zeros(n_trees, 2 ** depth))

    def forward(self, x):
        sel = torch.einsum("bf,tdf->btd", x, F.softmax(self.feature_logits, dim=-1))
        gate = torch.sigmoid(sel - self.thresholds)                   # (B, T, D)
        probs = torch.ones(x.size(0), gate.size(1), 1, device=x.device)
        for d in range(self.depth):
            g = gate[..., d:d + 1]
            probs = torch.cat([probs * g, probs * (1 - g)], dim=-1)
        return (probs * self.leaf_values).sum(-1).mean(-1)              # (B,)


class NeuralGBMRegressor:
    def __init__(self, n_trees=64, depth=4, lr=1e-2, epochs=20, batch_size=512):
        self.n_trees, self.depth, self.lr = n_trees, depth, lr
        self.epochs, self.batch_size = epochs, batch_size

    def _raw_scores(self, xb):
        return self.model_(xb).detach().cpu().numpy()

    def fit(self, X, y):
        X = torch.as_tensor(X, dtype=torch.float32)
        y = torch.as_tensor(y, dtype=torch.float32)
        self.model_ = SoftTreeEnsemble(X.shape[1], self.n_trees, self.depth)
        opt = torch.optim.Adam(self.model_.parameters(), lr=self.lr)
        loader = DataLoader(TensorDataset(X, y), batch_size=self.batch_size, shuffle=True)
        for epoch in range(self.epochs):
            self.model_.train()
            epoch_loss = 0.0
            for xb, yb in loader:
                scores = torch.from_numpy(self._raw_scores(xb))
                loss = F.mse_loss(scores, yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                epoch_loss += loss.item() * len(xb)
            print(f"[{epoch}] rmse={np.sqrt(epoch_loss / len(X)):.4f}")
        return self

    def predict(self, X):
        self.model_.eval()
        with torch.no_grad():
            return self._raw_scores(torch.as_tensor(X, dtype=torch.float32))


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 30)).astype(np.float32)
    y = (np.sin(X[:, 0]) + X[:, 1] * X[:, 2]).astype(np.float32)
    reg = NeuralGBMRegressor(epochs=5).fit(X[:16000], y[:16000])
    print("holdout mse", float(np.mean((reg.predict(X[16000:]) - y[16000:]) ** 2)))
