# expect: TVL017
# style: audio event classification Trainer with a config dict of loaders, validation metrics computed against the dataset's own label array
# bug: the validation loader is built with shuffle=True (copied from the train entry of LOADER_CFG), and validate() compares the concatenated predictions with val_ds.labels in dataset order
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score, confusion_matrix
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s | %(message)s")
log = logging.getLogger("esc")

LOADER_CFG = {
    "train": {"batch_size": 32, "shuffle": True, "num_workers": 2, "drop_last": True},
    "val": {"batch_size": 64, "shuffle": True, "num_workers": 2},
}
N_CLASSES = 50


class ESCDataset(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.labels = np.sort(rng.integers(0, N_CLASSES, n))  # folds are stored class by class
        self.waves = rng.normal(size=(n, 1, 22050)).astype(np.float32) * 0.1

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.waves[i]), int(self.labels[i])


class RawAudioCNN(nn.Module):
    def __init__(self):
        super().__init__()
        chans = [1, 32, 64, 128, 256]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv1d(a, b, 9, stride=4, padding=4), nn.BatchNorm1d(b), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(256, N_CLASSES)

    def forward(self, x):
        return self.fc(self.body(x).mean(-1))


class Trainer:
    def __init__(self, model, loaders, lr=1e-3, epochs=30):
        self.model = model
        self.loaders = loaders
        self.epochs = epochs
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.sched = torch.optim.lr_scheduler.StepLR(self.opt, step_size=10, gamma=0.3)

    def train_epoch(self):
        self.model.train()
        total = 0.0
        for wav, y in self.loaders["train"]:
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(wav), y)
            loss.backward()
            self.opt.step()
            total += loss.item()
        self.sched.step()
        return total / len(self.loaders["train"])

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        preds = []
        for wav, _ in self.loaders["val"]:
            preds.append(self.model(wav).argmax(-1).numpy())
        self.model.train()
        preds = np.concatenate(preds)
        gts = self.loaders["val"].dataset.labels
        return balanced_accuracy_score(gts, preds), confusion_matrix(gts, preds, labels=range(N_CLASSES))

    def fit(self):
        best = 0.0
        for ep in range(self.epochs):
            loss = self.train_epoch()
            bacc, cm = self.validate()
            log.info("epoch %d loss %.4f val balanced-acc %.4f worst-class recall %.3f", ep, loss, bacc,
                     (cm.diagonal() / cm.sum(1).clip(min=1)).min())
            if bacc > best:
                best = bacc
                torch.save(self.model.state_dict(), "esc_best.pt")
        return best


def build_loaders():
    datasets = {"train": ESCDataset(1600, 0), "val": ESCDataset(400, 1)}
    return {k: DataLoader(ds, **LOADER_CFG[k]) for k, ds in datasets.items()}


if __name__ == "__main__":
    Trainer(RawAudioCNN(), build_loaders()).fit()
