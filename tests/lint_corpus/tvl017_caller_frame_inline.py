# expect: TVL017
# infer() returns what it collected over the loader it is given; the caller puts that straight
# into a DataFrame next to the test frame's ids, and the test loader shuffles.
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader


def infer(net, batches):
    labels = []
    with torch.no_grad():
        for pixels in batches:
            labels.append(net(pixels).argmax(1).numpy())
    return np.concatenate(labels)


test_frame = pd.read_csv("test.csv")
test_batches = DataLoader(DigitRows(test_frame), batch_size=200, shuffle=True)
pd.DataFrame({"ImageId": test_frame["ImageId"], "Label": infer(net, test_batches)}).to_csv("digits.csv", index=False)
