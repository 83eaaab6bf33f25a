# expect: TVL017
# style: research repo with a predict() helper and a metrics module, audio genre classification; validation AUC per class
# bug: build_loaders gives the validation loader shuffle=True, and validate() pairs predict()'s outputs with val_ds.labels in dataset order to compute per-class AUC and a confusion matrix
import argparse
import json
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("genre")
GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


class MelClips(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, len(GENRES), n)
        self.mels = rng.normal(size=(n, 1, 96, 128)).astype(np.float32)
        self.mels[np.arange(n), 0, self.labels * 9, :] += 2.0

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.mels[i]), int(self.labels[i])


def build_loaders(bs):
    train_ds, val_ds = MelClips(3000, 0), MelClips(600, 1)
    train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True, num_workers=2, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=bs, shuffle=True, num_workers=2)
    return train_ds, val_ds, train_dl, val_dl


class GenreCNN(nn.Module):
    def __init__(self):
        super().__init__()
        ch = [1, 32, 64, 128]
        self.convs = nn.Sequential(*[nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ELU(),
                                                   nn.MaxPool2d(2)) for a, b in zip(ch[:-1], ch[1:])])
        self.fc = nn.Linear(128, len(GENRES))

    def forward(self, x):
        return self.fc(self.convs(x).mean((2, 3)))


@torch.no_grad()
def predict(model, loader, device):
    model.eval()
    out = [F.softmax(model(x.to(device)), -1).cpu().numpy() for x, _ in loader]
    model.train()
    return np.concatenate(out)


def one_vs_rest_auc(scores, labels):
    aucs = []
    for c in range(scores.shape[1]):
        pos, neg = scores[labels == c, c], scores[labels != c, c]
        if len(pos) and len(neg):
            aucs.append(float((pos[:, None] > neg[None, :]).mean()))
    return aucs


def confusion(pred, labels, k):
    m = np.zeros((k, k), dtype=int)
    np.add.at(m, (labels, pred), 1)
    return m


def validate(model, val_ds, val_dl, device):
    probs = predict(model, val_dl, device)
    labels = np.asarray(val_ds.labels)
    aucs = one_vs_rest_auc(probs, labels)
    cm = confusion(probs.argmax(1), labels, len(GENRES))
    return {"macro_auc": float(np.mean(aucs)), "acc": float(np.trace(cm) / cm.sum()), "cm": cm.tolist()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_ds, val_ds, train_dl, val_dl = build_loaders(args.bs)
    model = GenreCNN().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = []
    for ep in range(args.epochs):
        model.train()
        for x, y in train_dl:
            x, y = x.to(dev), y.to(dev)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        res = validate(model, val_ds, val_dl, dev)
        log.info("epoch %d acc %.4f macro-AUC %.4f", ep, res["acc"], res["macro_auc"])
        history.append({k: v for k, v in res.items() if k != "cm"})
    with open("genre_history.json", "w") as f:
        json.dump({"history": history, "final_cm": res["cm"]}, f)


if __name__ == "__main__":
    main()
