# expect: TVL017
# Loader settings for the scoring split are splatted in and say shuffle=True; the scores are
# collected batch by batch and ranked against the dataset's own labels in its order.
import torch
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader

SPLIT_KW = dict(fit=dict(batch_size=32, shuffle=True), holdout=dict(batch_size=128, shuffle=True))


@torch.no_grad()
def holdout_ap(net, holdout_ds):
    dl = DataLoader(holdout_ds, **SPLIT_KW["holdout"])
    outs = []
    for xb in dl:
        outs.append(torch.sigmoid(net(xb)).squeeze(1))
    return average_precision_score(holdout_ds.targets.numpy(), torch.cat(outs).numpy())
