# expect: clean
# The same splatted settings with the scoring split left in order.
import torch
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader

SPLIT_KW = dict(fit=dict(batch_size=32, shuffle=True), holdout=dict(batch_size=128, shuffle=False))


@torch.no_grad()
def holdout_ap(net, holdout_ds):
    dl = DataLoader(holdout_ds, **SPLIT_KW["holdout"])
    outs = []
    for xb in dl:
        outs.append(torch.sigmoid(net(xb)).squeeze(1))
    return average_precision_score(holdout_ds.targets.numpy(), torch.cat(outs).numpy())
