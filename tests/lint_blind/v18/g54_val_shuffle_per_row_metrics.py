# expect: TVL017
# style: Trainer class with error-analysis export, time-series classification (ECG-like beats), validation loader shuffled
# bug: the validation loader is built with shuffle=True, and error_analysis() compares the loader-ordered predictions with val_ds.labels / val_ds.record_ids in the dataset's own order, so the per-record confusion matrix and the misclassified list are wrong.
import json
import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("ecg")
CLASSES = ["N", "S", "V", "F"]


@dataclass
class Cfg:
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    beat_len: int = 187


class Beats(Dataset):
    def __init__(self, n, beat_len, seed):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, len(CLASSES), n)
        t = np.linspace(0, 1, beat_len)
        self.x = np.stack([np.exp(-((t - 0.3 - 0.1 * c) ** 2) / 0.002) * (1 + 0.3 * c) + 0.05 * rng.normal(size=beat_len)
                           for c in self.labels]).astype(np.float32)
        self.record_ids = [f"rec{100 + i // 50}_{i % 50:02d}" for i in range(n)]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]).unsqueeze(0), int(self.labels[i])


class Net1D(nn.Module):
    def __init__(self, n_classes=4):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv1d(1, 32, 7, padding=3), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(), nn.AdaptiveAvgPool1d(1),
        )
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.fc(self.f(x).flatten(1))


class Trainer:
    def __init__(self, cfg, train_ds, val_ds):
        self.cfg = cfg
        self.model = Net1D(len(CLASSES))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.train_dl = DataLoader(train_ds, batch_size=cfg.batch_size, shuffle=True)
        self.val_ds = val_ds
        self.val_dl = DataLoader(val_ds, batch_size=cfg.batch_size * 2, shuffle=True)

    def fit(self):
        for epoch in range(self.cfg.epochs):
            self.model.train()
            total = 0.0
            for x, y in self.train_dl:
                loss = F.cross_entropy(self.model(x), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                total += loss.item()
            logger.info("epoch %d loss %.4f", epoch, total / len(self.train_dl))

    @torch.no_grad()
    def predict_val(self):
        self.model.eval()
        return np.concatenate([self.model(x).argmax(-1).numpy() for x, _ in self.val_dl])

    def error_analysis(self, path="val_errors.json"):
        preds = self.predict_val()
        gold = self.val_ds.labels
        cm = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
        for g, p in zip(gold, preds):
            cm[g, p] += 1
        wrong = [{"record": rid, "gold": CLASSES[g], "pred": CLASSES[p]}
                 for rid, g, p in zip(self.val_ds.record_ids, gold, preds) if g != p]
        per_class_recall = {CLASSES[c]: float(cm[c, c] / max(cm[c].sum(), 1)) for c in range(len(CLASSES))}
        with open(path, "w") as f:
            json.dump({"confusion": cm.tolist(), "recall": per_class_recall, "errors": wrong[:500]}, f, indent=1)
        logger.info("val acc %.4f recall %s", np.trace(cm) / cm.sum(), per_class_recall)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = Cfg()
    trainer = Trainer(cfg, Beats(8000, cfg.beat_len, 0), Beats(1500, cfg.beat_len, 1))
    trainer.fit()
    trainer.error_analysis()
    torch.save(trainer.model.state_dict(), "ecg_net.pt")
