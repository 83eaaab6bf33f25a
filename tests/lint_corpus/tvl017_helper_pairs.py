# expect: TVL017
# A tabular kernel: the validation loader is shuffled, its predictions are concatenated and
# scored by a helper of the file against the validation targets in their stored order.
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset


def mae(truth, guess):
    return float(np.abs(truth - guess).mean())


val_dl = DataLoader(TensorDataset(torch.tensor(Xv), torch.tensor(yv)), batch_size=256, shuffle=True)
outs = []
with torch.no_grad():
    for xb, _ in val_dl:
        outs.append(net(xb).squeeze(-1).numpy())
guess = np.concatenate(outs)
truth = np.asarray(yv)
print("val MAE", mae(truth, guess))
