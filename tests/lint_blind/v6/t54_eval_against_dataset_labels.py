# expect: TVL017
# style: Trainer class with a separate metrics module, medical-imaging binary classification with per-image AUC/threshold report
# bug: build_eval_loader() shuffles the test set, and Evaluator.report() pairs the collected scores with test_set.labels / test_set.patient_ids in dataset order.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class XrayDataset(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.images = rng.normal(size=(n, 1, 64, 64)).astype(np.float32)
        self.labels = rng.integers(0, 2, size=n)
        self.patient_ids = [f"P{seed}{i:05d}" for i in range(n)]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.images[i]), float(self.labels[i])


def build_train_loader(ds):
    return DataLoader(ds, batch_size=32, shuffle=True, num_workers=2)


def build_eval_loader(ds):
    return DataLoader(ds, batch_size=128, shuffle=True, num_workers=2)


def roc_auc(y, s):
    order = np.argsort(s)
    ranks = np.empty_like(order, dtype=np.float64); ranks[order] = np.arange(1, len(s) + 1)
    pos = y == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / max(pos.sum() * (~pos).sum(), 1))


class Evaluator:
    def __init__(self, dataset, loader):
        self.dataset, self.loader = dataset, loader

    @torch.no_grad()
    def scores(self, model):
        model.eval()
        out = [torch.sigmoid(model(x).squeeze(-1)) for x, _ in self.loader]
        return torch.cat(out).numpy()

    def report(self, model, threshold=0.5):
        s = self.scores(model)
        y = np.asarray(self.dataset.labels)
        flagged = [pid for pid, score in zip(self.dataset.patient_ids, s) if score > threshold]
        return {"auc": roc_auc(y, s), "sensitivity": float(((s > threshold) & (y == 1)).sum() / max((y == 1).sum(), 1)),
                "n_flagged": len(flagged), "flagged_example": flagged[:3]}


class XrayTrainer:
    def __init__(self, model, lr=3e-4):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def fit(self, loader, evaluator, epochs=5):
        for epoch in range(epochs):
            self.model.train()
            for x, y in loader:
                logit = self.model(x).squeeze(-1)
                loss = F.binary_cross_entropy_with_logits(logit, y.float())
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
            print(epoch, evaluator.report(self.model))


if __name__ == "__main__":
    net = nn.Sequential(nn.Conv2d(1, 16, 5, 2, 2), nn.ReLU(), nn.Conv2d(16, 32, 5, 2, 2), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 1))
    train_set, test_set = XrayDataset(2000, 1), XrayDataset(500, 2)
    XrayTrainer(net).fit(build_train_loader(train_set), Evaluator(test_set, build_eval_loader(test_set)))
