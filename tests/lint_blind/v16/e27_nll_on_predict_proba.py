# expect: TVL008
# style: sklearn-style estimator wrapper around a PyTorch network (fit/predict_proba), tabular multiclass
# bug: fit() computes nn.NLLLoss on the output of _proba(), which returns softmax probabilities rather than log-probabilities
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("torchclf")


class _Net(nn.Module):
    def __init__(self, d_in, n_classes, hidden=(256, 128), dropout=0.2):
        super().__init__()
        layers, d = [], d_in
        for h in hidden:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.SiLU(), nn.Dropout(dropout)]
            d = h
        layers.append(nn.Linear(d, n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class TorchClassifier:
    def __init__(self, hidden=(256, 128), lr=1e-3, epochs=30, batch_size=256, weight_decay=1e-5, verbose=True):
        self.hidden, self.lr, self.epochs = hidden, lr, epochs
        self.batch_size, self.weight_decay, self.verbose = batch_size, weight_decay, verbose

    def _proba(self, x):
        return torch.softmax(self.net_(x), dim=1)

    def fit(self, X, y, X_val=None, y_val=None):
        X = torch.as_tensor(X, dtype=torch.float32)
        y = torch.as_tensor(y, dtype=torch.long)
        self.classes_ = np.unique(y.numpy())
        self.net_ = _Net(X.shape[1], len(self.classes_), self.hidden)
        opt = torch.optim.AdamW(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        crit = nn.NLLLoss()
        loader = DataLoader(TensorDataset(X, y), batch_size=self.batch_size, shuffle=True)
        for epoch in range(self.epochs):
            self.net_.train()
            total = 0.0
            for xb, yb in loader:
                opt.zero_grad()
                loss = crit(self._proba(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(yb)
            if self.verbose and X_val is not None:
                acc = (self.predict(X_val) == np.asarray(y_val)).mean()
                logger.info("epoch %d loss %.4f val_acc %.4f", epoch, total / len(y), acc)
        return self

    def predict_proba(self, X):
        self.net_.eval()
        with torch.no_grad():
            p = self._proba(torch.as_tensor(X, dtype=torch.float32)).numpy()
        self.net_.train()
        return p

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]


def make_blobs(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3, size=(k, d))
    y = rng.integers(0, k, size=n)
    return centers[y] + rng.normal(size=(n, d)), y


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    X, y = make_blobs(12000, 20, 6)
    clf = TorchClassifier(epochs=20).fit(X[:10000], y[:10000], X[10000:], y[10000:])
    proba = clf.predict_proba(X[10000:])
    logloss = -np.log(proba[np.arange(len(proba)), y[10000:]] + 1e-12).mean()
    print("holdout logloss", logloss)
