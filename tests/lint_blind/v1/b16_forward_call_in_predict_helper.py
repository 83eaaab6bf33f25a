# expect: TVL013
# style: Kaggle inference notebook (separate predict() helper used for OOF and test predictions)
# bug: predict() calls model.forward(images) instead of model(images), bypassing hooks
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

CFG = dict(n_classes=4, img_size=64, batch_size=64, n_folds=3, device="cpu")


class TestDataset(Dataset):
    def __init__(self, ids):
        self.ids = ids

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(int(self.ids[i]))
        return torch.randn(3, CFG["img_size"], CFG["img_size"], generator=g)


class CustomModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 24, 3, 2, 1), nn.BatchNorm2d(24), nn.SiLU(),
                                  nn.Conv2d(24, 48, 3, 2, 1), nn.BatchNorm2d(48), nn.SiLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(48, CFG["n_classes"])

    def forward(self, x):
        return self.fc(self.body(x))


def predict(model, loader, device):
    model.eval()
    preds = []
    with torch.no_grad():
        for images in loader:
            images = images.to(device)
            logits = model.forward(images)
            preds.append(logits.softmax(dim=1).cpu().numpy())
    return np.concatenate(preds)


def inference(test_ids):
    loader = DataLoader(TestDataset(test_ids), batch_size=CFG["batch_size"], shuffle=False)
    fold_preds = []
    for fold in range(CFG["n_folds"]):
        model = CustomModel().to(CFG["device"])
        # weights would be loaded from the training kernel's output here
        fold_preds.append(predict(model, loader, CFG["device"]))
    return np.mean(fold_preds, axis=0)


if __name__ == "__main__":
    test_ids = np.arange(500)
    probs = inference(test_ids)
    sub = pd.DataFrame({"id": test_ids, "label": probs.argmax(1)})
    sub.to_csv("submission.csv", index=False)
    print(sub.head())
