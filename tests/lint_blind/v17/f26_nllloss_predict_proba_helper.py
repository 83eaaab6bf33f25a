# expect: TVL008
# style: sklearn-flavoured estimator wrapper (fit/predict_proba) around a PyTorch MLP, tabular credit scoring
# bug: fit() computes the loss as NLLLoss(self._proba(x), y) where _proba returns softmax probabilities, not log-probabilities.
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


class TorchMLPClassifier:
    def __init__(self, hidden=(128, 64), lr=1e-3, epochs=30, batch_size=256, dropout=0.1,
                 class_weight=None, random_state=0, verbose=True):
        self.hidden, self.lr, self.epochs = hidden, lr, epochs
        self.batch_size, self.dropout = batch_size, dropout
        self.class_weight, self.random_state, self.verbose = class_weight, random_state, verbose

    def _build(self, n_in, n_out):
        layers, d = [], n_in
        for h in self.hidden:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(self.dropout)]
            d = h
        layers.append(nn.Linear(d, n_out))
        return nn.Sequential(*layers)

    def _proba(self, x):
        return torch.softmax(self.net_(x), dim=-1)

    def fit(self, X, y):
        torch.manual_seed(self.random_state)
        self.classes_ = np.unique(y)
        y_idx = np.searchsorted(self.classes_, y)
        self.mean_, self.std_ = X.mean(0), X.std(0) + 1e-6
        Xt = torch.tensor((X - self.mean_) / self.std_, dtype=torch.float32)
        yt = torch.tensor(y_idx, dtype=torch.long)
        self.net_ = self._build(X.shape[1], len(self.classes_))
        weight = None
        if self.class_weight == "balanced":
            counts = np.bincount(y_idx)
            weight = torch.tensor(len(y_idx) / (len(counts) * counts), dtype=torch.float32)
        criterion = nn.NLLLoss(weight=weight)
        opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr)
        loader = DataLoader(TensorDataset(Xt, yt), batch_size=self.batch_size, shuffle=True, drop_last=True)
        self.loss_curve_ = []
        for epoch in range(self.epochs):
            self.net_.train()
            tot = 0.0
            for xb, yb in loader:
                opt.zero_grad()
                loss = criterion(self._proba(xb), yb)
                loss.backward()
                opt.step()
                tot += loss.item()
            self.loss_curve_.append(tot / len(loader))
            if self.verbose and epoch % 5 == 0:
                logger.info("epoch %d loss %.4f", epoch, self.loss_curve_[-1])
        return self

    @torch.no_grad()
    def predict_proba(self, X):
        self.net_.eval()
        Xt = torch.tensor((X - self.mean_) / self.std_, dtype=torch.float32)
        return self._proba(Xt).numpy()

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]

    def score(self, X, y):
        return float((self.predict(X) == y).mean())


def make_credit_data(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 0.5, n)
    debt = rng.uniform(0, 1, n) * income
    age = rng.integers(18, 80, n)
    late = rng.poisson(0.5, n)
    X = np.column_stack([np.log(income), debt / income, age, late, rng.normal(size=(n, 6))])
    risk = 2 * (debt / income) + 0.6 * late - 0.01 * age + rng.normal(0, 0.3, n)
    y = np.digitize(risk, [0.5, 1.5])  # 0 = low, 1 = medium, 2 = high
    return X.astype(np.float32), y


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    X, y = make_credit_data()
    idx = np.random.default_rng(1).permutation(len(y))
    tr, te = idx[:16000], idx[16000:]
    clf = TorchMLPClassifier(class_weight="balanced", epochs=25).fit(X[tr], y[tr])
    print("test accuracy", clf.score(X[te], y[te]))
