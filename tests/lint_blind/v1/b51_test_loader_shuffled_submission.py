# expect: TVL017
# style: Kaggle inference kernel (predict() helper + sample_submission.csv ordering)
# bug: make_test_loader() uses shuffle=True, and the predictions are written row-by-row against the submission ids
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class DigitTestDataset(Dataset):
    def __init__(self, pixels):
        self.pixels = torch.tensor(pixels, dtype=torch.float32).view(-1, 1, 28, 28) / 255.0

    def __len__(self):
        return len(self.pixels)

    def __getitem__(self, i):
        return self.pixels[i]


class DigitCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.fc(self.conv(x))


def make_test_loader(test_df, batch_size=256):
    ds = DigitTestDataset(test_df.values)
    return DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=2)


def predict(model, loader):
    model.eval()
    out = []
    with torch.no_grad():
        for images in loader:
            out.append(model(images).argmax(dim=1).cpu().numpy())
    return np.concatenate(out)


if __name__ == "__main__":
    test_df = pd.DataFrame(np.random.randint(0, 256, size=(2800, 784)))
    submission = pd.DataFrame({"ImageId": np.arange(1, 2801), "Label": 0})
    model = DigitCNN()
    # model.load_state_dict(...) from the training kernel's output in the real notebook
    labels = predict(model, make_test_loader(test_df))
    submission["Label"] = labels
    submission.to_csv("submission.csv", index=False)
    print(submission.head())
