# expect: TVL008
# style: config-dict model builder for tabular fraud/multiclass, "probabilities out of the model" convention
# bug: build_mlp appends nn.Softmax(dim=1) when cfg["output"] == "proba" (the default) and the training loss is nn.CrossEntropyLoss on those outputs
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tab")

MODEL_CFG = {
    "in_dim": 30,
    "hidden": [128, 64],
    "dropout": 0.2,
    "n_classes": 5,
    "output": "proba",   # downstream service expects calibrated probabilities
}


def build_mlp(cfg):
    layers, d = [], cfg["in_dim"]
    for h in cfg["hidden"]:
        layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(cfg["dropout"])]
        d = h
    layers.append(nn.Linear(d, cfg["n_classes"]))
    if cfg.get("output", "proba") == "proba":
        layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


def make_split(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, MODEL_CFG["in_dim"])).astype(np.float32)
    w = rng.normal(size=(MODEL_CFG["in_dim"], MODEL_CFG["n_classes"]))
    y = (x @ w).argmax(1)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y).long())


def macro_f1(pred, true, k):
    f1s = []
    for c in range(k):
        tp = ((pred == c) & (true == c)).sum()
        fp = ((pred == c) & (true != c)).sum()
        fn = ((pred != c) & (true == c)).sum()
        f1s.append(2 * tp / max(2 * tp + fp + fn, 1))
    return float(np.mean(f1s))


def train(model, train_dl, val_dl, epochs, lr, device):
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for ep in range(epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            out = model(x)
            loss = criterion(out, y)
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        model.eval()
        preds, trues = [], []
        with torch.no_grad():
            for x, y in val_dl:
                preds.append(model(x.to(device)).argmax(1).cpu().numpy())
                trues.append(y.numpy())
        f1 = macro_f1(np.concatenate(preds), np.concatenate(trues), MODEL_CFG["n_classes"])
        log.info("epoch %d loss %.4f macroF1 %.4f", ep, tot / len(train_dl.dataset), f1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--export", default="tab_mlp.pt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = build_mlp(MODEL_CFG).to(dev)
    train_dl = DataLoader(make_split(20000, 0), batch_size=256, shuffle=True)
    val_dl = DataLoader(make_split(3000, 1), batch_size=1024)
    train(model, train_dl, val_dl, args.epochs, args.lr, dev)
    torch.save(model.state_dict(), args.export)


if __name__ == "__main__":
    main()
