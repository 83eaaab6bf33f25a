# expect: TVL017
# The test loader comes from a builder that shuffles; the helper writing the submission pairs
# the predictions with the frame's ids in file order.
import pandas as pd
import torch
from torch.utils.data import DataLoader


def loader_for(frame, bs=128):
    return DataLoader(FrameDS(frame), batch_size=bs, shuffle=True)


def save_preds(frame, scores, dest):
    pd.DataFrame({"id": frame["id"], "score": scores}).to_csv(dest, index=False)


def infer(net, dl):
    got = []
    with torch.no_grad():
        for xb in dl:
            got.extend(net(xb).sigmoid().tolist())
    return got


test_frame = pd.read_csv("test.csv")
scores = infer(net, loader_for(test_frame))
save_preds(test_frame, scores, "submission.csv")
