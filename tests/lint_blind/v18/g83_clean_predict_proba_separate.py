# expect: clean
# style: sklearn-like estimator wrapper around a torch model (fit/predict_proba), multi-label genre tagging
# note: the model class has a softmax/sigmoid in predict_proba(), which looks like TVL008, but fit() trains on forward() logits with BCEWithLogitsLoss; the sigmoid is only used for inference and thresholds.
import logging

import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import f1_score
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("genres")
GENRES = ["action", "comedy", "drama", "horror", "romance", "scifi", "thriller", "documentary"]


class TagMLP(nn.Module):
    def __init__(self, d_in, n_out, hidden=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(0.3), nn.Linear(hidden, n_out))

    def forward(self, x):
        return self.net(x)

    @torch.no_grad()
    def predict_proba(self, x):
        was = self.training
        self.eval()
        p = torch.sigmoid(self(x))
        self.train(was)
        return p


class TorchTagger:
    def __init__(self, d_in, n_out, lr=1e-3, epochs=15, batch_size=128):
        self.model = TagMLP(d_in, n_out)
        self.lr, self.epochs, self.batch_size = lr, epochs, batch_size
        self.thresholds = np.full(n_out, 0.5)

    def fit(self, X, Y, X_val=None, Y_val=None):
        loader = DataLoader(TensorDataset(X, Y), batch_size=self.batch_size, shuffle=True)
        pos = Y.mean(0).clamp(min=1e-3)
        criterion = nn.BCEWithLogitsLoss(pos_weight=((1 - pos) / pos).clamp(max=20))
        opt = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        for epoch in range(self.epochs):
            self.model.train()
            tot = 0.0
            for xb, yb in loader:
                logits = self.model(xb)
                loss = criterion(logits, yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                tot += loss.item()
            if X_val is not None:
                log.info("epoch %d loss %.4f val_microF1 %.4f", epoch, tot / len(loader), self.score(X_val, Y_val))
        if X_val is not None:
            self._tune_thresholds(X_val, Y_val)
        return self

    def _tune_thresholds(self, X, Y):
        P = self.predict_proba(X)
        for k in range(Y.shape[1]):
            grid = np.linspace(0.1, 0.9, 17)
            scores = [f1_score(Y[:, k], P[:, k] > t, zero_division=0) for t in grid]
            self.thresholds[k] = grid[int(np.argmax(scores))]

    def predict_proba(self, X):
        return self.model.predict_proba(X).numpy()

    def predict(self, X):
        return (self.predict_proba(X) > self.thresholds).astype(int)

    def score(self, X, Y):
        return f1_score(Y.numpy(), self.predict(X), average="micro", zero_division=0)


def plot_embeddings(n, seed):
    g = torch.Generator().manual_seed(seed)
    Y = (torch.rand(n, len(GENRES), generator=g) < 0.15).float()
    X = torch.randn(n, 300, generator=g) + Y @ torch.randn(len(GENRES), 300, generator=torch.Generator().manual_seed(9))
    return X, Y


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    X, Y = plot_embeddings(8000, 0)
    Xv, Yv = plot_embeddings(1000, 1)
    clf = TorchTagger(300, len(GENRES)).fit(X, Y, Xv, Yv)
    log.info("tuned thresholds %s", dict(zip(GENRES, clf.thresholds.round(2))))
    torch.save(clf.model.state_dict(), "genre_tagger.pt")
