# expect: TVL014
# style: PointNet classification train_classification.py (argparse with --model to resume)
# bug: torch.load(opt.model) loads a user-supplied path from the command line without weights_only=True (arbitrary pickle execution)
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PointNetCls(nn.Module):
    def __init__(self, k=40):
        super().__init__()
        self.conv1 = nn.Conv1d(3, 64, 1)
        self.conv2 = nn.Conv1d(64, 128, 1)
        self.conv3 = nn.Conv1d(128, 1024, 1)
        self.bn1, self.bn2, self.bn3 = nn.BatchNorm1d(64), nn.BatchNorm1d(128), nn.BatchNorm1d(1024)
        self.fc = nn.Sequential(nn.Linear(1024, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.3),
                                nn.Linear(512, k))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x)).max(dim=2).values
        return self.fc(x)


parser = argparse.ArgumentParser()
parser.add_argument("--batchSize", type=int, default=32)
parser.add_argument("--nepoch", type=int, default=250)
parser.add_argument("--outf", type=str, default="cls")
parser.add_argument("--model", type=str, default="", help="model path to resume from")
opt = parser.parse_args()
os.makedirs(opt.outf, exist_ok=True)

points = torch.randn(960, 3, 1024)
labels = torch.randint(0, 40, (960,))
dataloader = DataLoader(TensorDataset(points, labels), batch_size=opt.batchSize, shuffle=True)

classifier = PointNetCls(k=40)
if opt.model != "":
    classifier.load_state_dict(torch.load(opt.model))

optimizer = torch.optim.Adam(classifier.parameters(), lr=0.001, betas=(0.9, 0.999))
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.5)

for epoch in range(opt.nepoch):
    classifier.train()
    for i, (pts, target) in enumerate(dataloader):
        optimizer.zero_grad()
        pred = classifier(pts)
        loss = F.cross_entropy(pred, target)
        loss.backward()
        optimizer.step()
        if i % 10 == 0:
            correct = pred.argmax(1).eq(target).sum().item()
            print(f"[{epoch}: {i}] train loss: {loss.item():.4f} accuracy: {correct / float(opt.batchSize):.3f}")
    scheduler.step()
    torch.save(classifier.state_dict(), f"{opt.outf}/cls_model_{epoch}.pth")
