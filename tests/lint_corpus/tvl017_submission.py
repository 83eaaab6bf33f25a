# expect: TVL017
import pandas as pd
import torch
from torch.utils.data import DataLoader


def predict(model, test_ds, device="cuda"):
    test_loader = DataLoader(test_ds, batch_size=64, shuffle=True)
    model.eval()
    preds = []
    with torch.no_grad():
        for images in test_loader:
            preds += model(images.to(device)).argmax(1).cpu().tolist()
    sub = pd.read_csv("sample_submission.csv")
    sub["label"] = preds
    sub.to_csv("submission.csv", index=False)
