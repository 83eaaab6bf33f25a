# expect: TVL017
# The reference labels are read off the dataset before the loop; the shuffled loader's
# predictions are then scored against them in the dataset's order.
import numpy as np
import torch
from sklearn.metrics import cohen_kappa_score
from torch.utils.data import DataLoader


def grade(model, valid_set):
    reference = np.asarray(valid_set.grades)
    dl = DataLoader(valid_set, batch_size=32, shuffle=True)
    guessed = []
    with torch.no_grad():
        for scans, _ in dl:
            guessed.extend(model(scans).argmax(1).tolist())
    return cohen_kappa_score(reference, guessed, weights="quadratic")
