# expect: clean
# The same comprehension over a shuffled holdout loader, but each output is kept with the targets
# of its own batch: the pairs survive any order.
import torch
from sklearn.metrics import matthews_corrcoef
from torch.utils.data import DataLoader


@torch.inference_mode()
def holdout_mcc(clf, holdout_dl):
    clf.eval()
    pairs = [(clf(feats).argmax(dim=1), targets) for feats, targets in holdout_dl]
    guesses = torch.cat([g for g, _ in pairs])
    truth = torch.cat([t for _, t in pairs])
    return matthews_corrcoef(truth.numpy(), guesses.numpy())


holdout_dl = DataLoader(holdout_set, batch_size=512, shuffle=True)
print(holdout_mcc(clf, holdout_dl))
