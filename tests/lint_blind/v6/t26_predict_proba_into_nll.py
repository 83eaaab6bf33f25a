# expect: TVL008
# style: scikit-learn-style estimator wrapper around a PyTorch MLP, tabular wine-quality classification
# bug: fit() reuses the _proba() helper (softmax probabilities) as the input to F.nll_loss, which expects log-probabilities.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TorchMLPClassifier:
    def __init__(self, hidden=(64, 32), lr=1e-3, epochs=30, batch_size=64, seed=0):
        self.hidden = hidden
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.net_ = None

    def _build(self, n_in, n_out):
        layers, prev = [], n_in
        for h in self.hidden:
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        layers.append(nn.Linear(prev, n_out))
        return nn.Sequential(*layers)

    def _proba(self, xb):
        return F.softmax(self.net_(xb), dim=-1)

    def fit(self, X, y):
        torch.manual_seed(self.seed)
        self.classes_ = np.unique(y)
        y_idx = np.searchsorted(self.classes_, y)
        self.net_ = self._build(X.shape[1], len(self.classes_))
        opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr)
        ds = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y_idx, dtype=torch.long))
        loader = DataLoader(ds, batch_size=self.batch_size, shuffle=True)
        self.net_.train()
        for epoch in range(self.epochs):
            epoch_loss = 0.0
            for xb, yb in loader:
                opt.zero_grad()
                proba = self._proba(xb)
                loss = F.nll_loss(proba, yb)
                loss.backward()
                opt.step()
                epoch_loss += loss.item() * len(yb)
            if epoch % 10 == 0:
                print(f"epoch {epoch} loss {epoch_loss / len(ds):.4f}")
        return self

    @torch.no_grad()
    def predict_proba(self, X):
        self.net_.eval()
        return self._proba(torch.tensor(X, dtype=torch.float32)).numpy()

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]

    def score(self, X, y):
        return float((self.predict(X) == y).mean())


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 11)).astype(np.float32)
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.3, size=3000), [-1.0, 0.0, 1.0]) + 3
    clf = TorchMLPClassifier(epochs=30).fit(X[:2500], y[:2500])
    print("holdout accuracy", clf.score(X[2500:], y[2500:]))
