# expect: clean
# The same inference loader, in the frame's order, so each probability lands on its own row.
import pandas as pd
import torch
from torch.utils.data import DataLoader

frame = pd.read_csv("sample_submission.csv")
inference_dl = DataLoader(ImageRows(frame), batch_size=96, shuffle=False, num_workers=4)
probs = []
with torch.no_grad():
    for pixels in inference_dl:
        probs.append(torch.softmax(cnn(pixels), dim=1)[:, 1])
frame["probability"] = torch.cat(probs).numpy()
frame.to_csv("submission.csv", index=False)
