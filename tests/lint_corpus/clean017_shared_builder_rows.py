# expect: clean
# The same helper shuffles only when training; the test frame's rows get predictions in order.
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader


def loader_of(frame, training):
    return DataLoader(FrameDataset(frame, augment=training), batch_size=48, shuffle=training)


def infer(net, dl):
    chunks = []
    with torch.no_grad():
        for xb in dl:
            chunks.append(net(xb).squeeze(1).numpy())
    return np.concatenate(chunks)


train_frame = pd.read_parquet("fit.parquet")
test_frame = pd.read_parquet("score.parquet")
fit(net, loader_of(train_frame, training=True))
test_frame["prediction"] = infer(net, loader_of(test_frame, training=False))
test_frame.to_csv("out.csv", index=False)
