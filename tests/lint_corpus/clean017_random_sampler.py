# expect: clean
# The validation loader reads through a SequentialSampler, in the dataset order the labels keep.
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, SequentialSampler

val_dl = DataLoader(val_ds, batch_size=128, sampler=SequentialSampler(val_ds))
scores = []
with torch.no_grad():
    for xb, _ in val_dl:
        scores.append(torch.sigmoid(model(xb)).squeeze(1).numpy())
print(roc_auc_score(val_ds.labels, np.concatenate(scores)))
