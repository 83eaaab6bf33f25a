# expect: TVL012
# style: research code with argparse + tqdm (point-cloud classifier, PointNet-like)
# bug: running_loss += loss accumulates the loss tensor (with its graph) across iterations instead of loss.item()
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class PointNetCls(nn.Module):
    def __init__(self, k=40):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 512, 1), nn.BatchNorm1d(512), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, k))

    def forward(self, pts):
        return self.fc(self.mlp1(pts).max(dim=2)[0])


def parse_args():
    parser = argparse.ArgumentParser("PointNet")
    parser.add_argument("--batch_size", type=int, default=24)
    parser.add_argument("--epoch", type=int, default=20)
    parser.add_argument("--num_point", type=int, default=1024)
    parser.add_argument("--learning_rate", type=float, default=1e-3)
    return parser.parse_args()


def main(args):
    pts = torch.randn(480, 3, args.num_point)
    labels = torch.randint(0, 40, (480,))
    train_loader = DataLoader(TensorDataset(pts, labels), batch_size=args.batch_size, shuffle=True, drop_last=True)
    classifier = PointNetCls()
    optimizer = torch.optim.Adam(classifier.parameters(), lr=args.learning_rate, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.7)
    for epoch in range(args.epoch):
        classifier.train()
        running_loss = 0.0
        mean_correct = []
        for points, target in tqdm(train_loader, total=len(train_loader), smoothing=0.9):
            optimizer.zero_grad()
            pred = classifier(points)
            loss = F.cross_entropy(pred, target)
            loss.backward()
            optimizer.step()
            running_loss += loss
            mean_correct.append((pred.argmax(1) == target).float().mean().item())
        scheduler.step()
        print(f"Epoch {epoch + 1}: train loss {running_loss / len(train_loader):.4f} "
              f"instance acc {sum(mean_correct) / len(mean_correct):.4f}")


if __name__ == "__main__":
    main(parse_args())
