# expect: TVL007
# style: single-file object-count regression / classification on point clouds (PointNet-lite), script style
# bug: StepLR(step_size=20, gamma=0.5) is meant in epochs (see the comment and args) but scheduler.step() is called inside the batch loop, so the LR halves every 20 iterations and collapses to ~0 within the first epochs
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

parser = argparse.ArgumentParser("PointNet-lite")
parser.add_argument("--num_points", type=int, default=1024)
parser.add_argument("--num_classes", type=int, default=10)
parser.add_argument("--epochs", type=int, default=200)
parser.add_argument("--batch_size", type=int, default=32)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--decay_every", type=int, default=20, help="epochs between LR decays")
parser.add_argument("--log_dir", default="log/pointnet")
args = parser.parse_args()


class SyntheticShapes(Dataset):
    def __init__(self, n, num_points, num_classes, seed=0):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, num_classes, n)
        self.scales = rng.uniform(0.5, 1.5, (n, 3)).astype(np.float32)
        self.num_points = num_points
        self.rng = rng

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        c = self.labels[i]
        pts = self.rng.normal(size=(self.num_points, 3)).astype(np.float32)
        pts /= np.linalg.norm(pts, axis=1, keepdims=True)
        pts *= self.scales[i] * (1 + 0.1 * c)
        return torch.from_numpy(pts), int(c)


class PointNetLite(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.conv1 = nn.Conv1d(3, 64, 1)
        self.conv2 = nn.Conv1d(64, 128, 1)
        self.conv3 = nn.Conv1d(128, 1024, 1)
        self.bn1, self.bn2, self.bn3 = nn.BatchNorm1d(64), nn.BatchNorm1d(128), nn.BatchNorm1d(1024)
        self.fc1 = nn.Linear(1024, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, k)
        self.bn4, self.bn5 = nn.BatchNorm1d(512), nn.BatchNorm1d(256)
        self.dropout = nn.Dropout(0.4)

    def forward(self, x):
        x = x.transpose(2, 1)
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x))
        x = torch.max(x, 2)[0]
        x = F.relu(self.bn4(self.fc1(x)))
        x = F.relu(self.bn5(self.dropout(self.fc2(x))))
        return self.fc3(x)


def random_rotate_z(pts):
    theta = torch.rand(pts.size(0)) * 2 * np.pi
    c, s = torch.cos(theta), torch.sin(theta)
    rot = torch.zeros(pts.size(0), 3, 3)
    rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1], rot[:, 2, 2] = c, -s, s, c, 1
    return pts @ rot


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
train_loader = DataLoader(SyntheticShapes(4000, args.num_points, args.num_classes), batch_size=args.batch_size,
                          shuffle=True, drop_last=True, num_workers=4)
test_loader = DataLoader(SyntheticShapes(800, args.num_points, args.num_classes, seed=1), batch_size=args.batch_size,
                         shuffle=False, num_workers=4)

classifier = PointNetLite(args.num_classes).to(device)
optimizer = torch.optim.Adam(classifier.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
# halve the learning rate every `decay_every` epochs
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=args.decay_every, gamma=0.5)
os.makedirs(args.log_dir, exist_ok=True)

best_acc = 0.0
for epoch in range(args.epochs):
    classifier.train()
    t0 = time.time()
    mean_correct, losses = [], []
    for batch_id, (points, target) in enumerate(train_loader):
        points = random_rotate_z(points)
        points, target = points.to(device), target.to(device)
        optimizer.zero_grad()
        pred = classifier(points)
        loss = F.cross_entropy(pred, target, label_smoothing=0.2)
        loss.backward()
        optimizer.step()
        scheduler.step()
        mean_correct.append((pred.argmax(1) == target).float().mean().item())
        losses.append(loss.item())
    train_acc = float(np.mean(mean_correct))

    classifier.eval()
    correct = total = 0
    with torch.no_grad():
        for points, target in test_loader:
            pred = classifier(points.to(device)).argmax(1).cpu()
            correct += (pred == target).sum().item()
            total += target.numel()
    test_acc = correct / total
    print(f"Epoch {epoch + 1}/{args.epochs} loss {np.mean(losses):.4f} train acc {train_acc:.4f} "
          f"test acc {test_acc:.4f} lr {optimizer.param_groups[0]['lr']:.2e} ({time.time() - t0:.0f}s)")
    if test_acc >= best_acc:
        best_acc = test_acc
        torch.save({"epoch": epoch, "model_state_dict": classifier.state_dict(),
                    "optimizer_state_dict": optimizer.state_dict()}, os.path.join(args.log_dir, "best_model.pth"))
print("Best test acc:", best_acc)
