# expect: TVL015
# style: MONAI-like medical classification project with a make_loader() factory shared by all splits
# bug: make_loader(split=...) never passes shuffle (nor a sampler), so the "train" loader it returns iterates in a fixed order every epoch
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class ChestXrayDataset(Dataset):
    def __init__(self, split, n=None):
        n = n or {"train": 1200, "val": 300}[split]
        self.images = torch.randn(n, 1, 64, 64)
        self.labels = torch.randint(0, 2, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"image": self.images[i], "label": self.labels[i]}


def make_loader(split, batch_size, num_workers=2):
    ds = ChestXrayDataset(split)
    return DataLoader(ds, batch_size=batch_size, num_workers=num_workers, pin_memory=True,
                      drop_last=(split == "train"))


class DenseNetTiny(nn.Module):
    def __init__(self, growth=16, n_cls=2):
        super().__init__()
        self.stem = nn.Conv2d(1, 2 * growth, 3, padding=1)
        self.block = nn.ModuleList(nn.Conv2d(2 * growth + i * growth, growth, 3, padding=1) for i in range(3))
        self.head = nn.Linear(5 * growth, n_cls)

    def forward(self, x):
        feats = [self.stem(x)]
        for conv in self.block:
            feats.append(F.relu(conv(torch.cat(feats, 1))))
        return self.head(torch.cat(feats, 1).mean((2, 3)))


def train_epoch(model, loader, optimizer, loss_function):
    model.train()
    epoch_loss = 0.0
    for batch_data in loader:
        inputs, labels = batch_data["image"], batch_data["label"]
        optimizer.zero_grad()
        loss = loss_function(model(inputs), labels)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    return epoch_loss / len(loader)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = total = 0
    for b in loader:
        correct += (model(b["image"]).argmax(1) == b["label"]).sum().item()
        total += len(b["label"])
    return correct / total


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-epochs", type=int, default=10)
    args = ap.parse_args()
    train_loader, val_loader = make_loader("train", 32), make_loader("val", 64)
    model = DenseNetTiny()
    optimizer = torch.optim.Adam(model.parameters(), 1e-5)
    for epoch in range(args.max_epochs):
        loss = train_epoch(model, train_loader, optimizer, nn.CrossEntropyLoss())
        print(f"epoch {epoch + 1} average loss: {loss:.4f} val acc: {evaluate(model, val_loader):.4f}")
