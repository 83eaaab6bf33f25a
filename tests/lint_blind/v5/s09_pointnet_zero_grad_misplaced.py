# expect: TVL003
# style: PointNet classification on ModelNet-like point clouds (student course project, one script)
# bug: optimizer.zero_grad() sits between loss.backward() and optimizer.step(), so every step applies zero gradients
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class RandomPointClouds(Dataset):
    def __init__(self, n, n_points=1024, n_classes=10):
        self.pts = torch.randn(n, n_points, 3)
        self.labels = torch.randint(0, n_classes, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        pts = self.pts[i]
        pts = pts - pts.mean(0, keepdim=True)
        pts = pts / pts.norm(dim=1).max()
        return pts.t(), self.labels[i]  # (3, N)


class PointNet(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.conv1 = nn.Conv1d(3, 64, 1)
        self.conv2 = nn.Conv1d(64, 128, 1)
        self.conv3 = nn.Conv1d(128, 1024, 1)
        self.bn1, self.bn2, self.bn3 = nn.BatchNorm1d(64), nn.BatchNorm1d(128), nn.BatchNorm1d(1024)
        self.fc1, self.fc2, self.fc3 = nn.Linear(1024, 512), nn.Linear(512, 256), nn.Linear(256, n_classes)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x))
        x = torch.max(x, 2)[0]
        x = F.relu(self.fc1(x))
        x = F.relu(self.drop(self.fc2(x)))
        return self.fc3(x)


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=25)
parser.add_argument("--batch_size", type=int, default=32)
opt = parser.parse_args()

train_loader = DataLoader(RandomPointClouds(2000), batch_size=opt.batch_size, shuffle=True, drop_last=True)
test_loader = DataLoader(RandomPointClouds(400), batch_size=opt.batch_size)
classifier = PointNet()
optimizer = torch.optim.Adam(classifier.parameters(), lr=0.001, betas=(0.9, 0.999))
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.5)

for epoch in range(opt.epochs):
    classifier.train()
    for i, (points, target) in enumerate(train_loader):
        pred = classifier(points)
        loss = F.cross_entropy(pred, target)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        if i % 10 == 0:
            acc = (pred.argmax(1) == target).float().mean().item()
            print(f"[{epoch}: {i}] train loss: {loss.item():.4f} accuracy: {acc:.3f}")
    scheduler.step()

    classifier.eval()
    correct = 0
    with torch.no_grad():
        for points, target in test_loader:
            correct += (classifier(points).argmax(1) == target).sum().item()
    print(f"epoch {epoch} test accuracy {correct / len(test_loader.dataset):.3f}")
