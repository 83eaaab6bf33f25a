# expect: TVL009
# style: point-cloud part/shape classification repo (DGCNN-like edge convs), Dataset class in data.py merged into one file
# bug: ShapeDataset.__getitem__ returns the class index as a float32 tensor and train() passes it to nn.CrossEntropyLoss as the target
import argparse
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class ShapeDataset(Dataset):
    def __init__(self, n, num_points=512, num_classes=16, partition="train"):
        rng = np.random.default_rng(0 if partition == "train" else 1)
        self.data = rng.normal(size=(n, num_points, 3)).astype("float32")
        self.label = rng.integers(0, num_classes, size=(n,))
        self.partition = partition

    def __getitem__(self, item):
        pc = self.data[item]
        if self.partition == "train":
            pc = pc * np.random.uniform(0.67, 1.5, size=(1, 3)).astype("float32")
            np.random.shuffle(pc)
        return torch.from_numpy(pc).transpose(0, 1), torch.tensor(self.label[item], dtype=torch.float32)

    def __len__(self):
        return len(self.label)


def knn_feature(x, k):
    d = torch.cdist(x.transpose(1, 2), x.transpose(1, 2))
    idx = d.topk(k, dim=-1, largest=False).indices                    # (B, N, k)
    nb = torch.stack([x[b][:, idx[b]] for b in range(x.size(0))])     # (B, C, N, k)
    center = x.unsqueeze(-1).expand_as(nb)
    return torch.cat([nb - center, center], dim=1)


class DGCNNLite(nn.Module):
    def __init__(self, num_classes, k=16):
        super().__init__()
        self.k = k
        self.edge1 = nn.Sequential(nn.Conv2d(6, 64, 1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(0.2))
        self.edge2 = nn.Sequential(nn.Conv2d(128, 128, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2))
        self.head = nn.Sequential(nn.Linear(192, 256), nn.BatchNorm1d(256), nn.LeakyReLU(0.2), nn.Dropout(0.5),
                                  nn.Linear(256, num_classes))

    def forward(self, x):
        x1 = self.edge1(knn_feature(x, self.k)).max(-1).values
        x2 = self.edge2(knn_feature(x1, self.k)).max(-1).values
        return self.head(torch.cat([x1, x2], dim=1).max(-1).values)


def train(args):
    train_loader = DataLoader(ShapeDataset(1024), batch_size=args.batch_size, shuffle=True, drop_last=True)
    model = DGCNNLite(16)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr * 100, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs, eta_min=args.lr)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.2)
    for epoch in range(args.epochs):
        model.train()
        train_loss, count = 0.0, 0
        for data, label in train_loader:
            opt.zero_grad()
            logits = model(data)
            loss = criterion(logits, label)
            loss.backward()
            opt.step()
            count += data.size(0)
            train_loss += loss.item() * data.size(0)
        scheduler.step()
        print(f"Train {epoch}, loss: {train_loss / count:.6f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--batch_size", type=int, default=16)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.001)
    train(p.parse_args())
