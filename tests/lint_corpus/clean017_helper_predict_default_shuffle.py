# expect: clean
# Hold-out scoring: a shared loader builder shuffles by default, turned off for scoring; a helper gathers the scores.
import numpy as np
import torch
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader, TensorDataset


def build_loader(features, labels, batch=256, shuffle=True):
    ds = TensorDataset(torch.as_tensor(features, dtype=torch.float32), torch.as_tensor(labels))
    return DataLoader(ds, batch_size=batch, shuffle=shuffle)


def collect_scores(net, loader):
    net.eval()
    out = []
    with torch.no_grad():
        for feats, _ in loader:
            out.append(net(feats).squeeze(-1).sigmoid())
    return torch.cat(out).numpy()


def validation_ap(net, x_valid, y_valid):
    valid_loader = build_loader(x_valid, y_valid, batch=1024, shuffle=False)
    scores = collect_scores(net, valid_loader)
    return average_precision_score(y_valid, scores)
