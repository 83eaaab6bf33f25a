# expect: TVL017
# The validation loader draws through a RandomSampler; the collected scores are compared with the
# validation labels kept in the dataset's order.
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, RandomSampler

val_dl = DataLoader(val_ds, batch_size=128, sampler=RandomSampler(val_ds))
scores = []
with torch.no_grad():
    for xb, _ in val_dl:
        scores.append(torch.sigmoid(model(xb)).squeeze(1).numpy())
print(roc_auc_score(val_ds.labels, np.concatenate(scores)))
