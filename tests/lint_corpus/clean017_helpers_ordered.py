# expect: clean
# The same helpers with loaders that keep the order (the builder does not shuffle), and a
# shuffled loader whose metric is computed per batch from paired outputs and targets.
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset


def loader_for(frame, bs=128):
    return DataLoader(FrameDS(frame), batch_size=bs, shuffle=False)


def save_preds(frame, scores, dest):
    pd.DataFrame({"id": frame["id"], "score": scores}).to_csv(dest, index=False)


def mae(truth, guess):
    return float(np.abs(truth - guess).mean())


def infer(net, dl):
    got = []
    with torch.no_grad():
        for xb in dl:
            got.extend(net(xb).sigmoid().tolist())
    return got


test_frame = pd.read_csv("test.csv")
save_preds(test_frame, infer(net, loader_for(test_frame)), "submission.csv")
val_dl = DataLoader(TensorDataset(torch.tensor(Xv), torch.tensor(yv)), batch_size=256, shuffle=True)
errs = []
with torch.no_grad():
    for xb, yb in val_dl:
        errs.append(mae(yb.numpy(), net(xb).squeeze(-1).numpy()))
print("val MAE", np.mean(errs))
