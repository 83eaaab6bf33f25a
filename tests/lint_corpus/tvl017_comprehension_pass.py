# expect: TVL017
# The evaluation is one comprehension over a shuffled holdout loader; its outputs are matched
# against the holdout set's stored targets, which keep the dataset order.
import torch
from sklearn.metrics import matthews_corrcoef
from torch.utils.data import DataLoader


@torch.inference_mode()
def holdout_mcc(clf, holdout_dl):
    clf.eval()
    guesses = torch.cat([clf(feats).argmax(dim=1) for feats, _ in holdout_dl])
    return matthews_corrcoef(holdout_dl.dataset.targets.numpy(), guesses.numpy())


holdout_dl = DataLoader(holdout_set, batch_size=512, shuffle=True)
print(holdout_mcc(clf, holdout_dl))
