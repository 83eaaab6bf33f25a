# expect: TVL017
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset


@torch.no_grad()
def evaluate(model, loader, y_true):
    model.eval()
    scores = []
    for (xb,) in loader:
        scores.extend(torch.sigmoid(model(xb)).squeeze(1).tolist())
    return roc_auc_score(y_true, np.array(scores))


def main(model, X_val, y_val):
    valid_ds = TensorDataset(torch.tensor(X_val, dtype=torch.float32))
    valid_dl = DataLoader(valid_ds, batch_size=512, shuffle=True)
    print("AUC", evaluate(model, valid_dl, y_val))
