# expect: clean
# The same grading with the reference labels taken from the batches themselves.
import numpy as np
import torch
from sklearn.metrics import cohen_kappa_score
from torch.utils.data import DataLoader


def grade(model, valid_set):
    dl = DataLoader(valid_set, batch_size=32, shuffle=True)
    reference, guessed = [], []
    with torch.no_grad():
        for scans, grades in dl:
            guessed.extend(model(scans).argmax(1).tolist())
            reference.extend(grades.tolist())
    return cohen_kappa_score(np.asarray(reference), guessed, weights="quadratic")
