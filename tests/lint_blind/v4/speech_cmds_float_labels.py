# expect: TVL009
# style: speech-commands keyword spotting (torchaudio tutorial-like M5 model)
# bug: the collate function stacks class indices as a float tensor and F.cross_entropy receives float class indices of shape (B,) against (B, C) logits
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

LABELS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


class FakeSpeechCommands(Dataset):
    def __len__(self):
        return 2000

    def __getitem__(self, i):
        return torch.randn(1, 8000), LABELS[i % len(LABELS)]


def collate_fn(batch):
    waves = torch.stack([w for w, _ in batch])
    targets = torch.tensor([LABELS.index(lbl) for _, lbl in batch], dtype=torch.float32)
    return waves, targets


class M5(nn.Module):
    def __init__(self, n_output=len(LABELS), stride=16, n_channel=32):
        super().__init__()
        self.conv1 = nn.Conv1d(1, n_channel, kernel_size=80, stride=stride)
        self.bn1 = nn.BatchNorm1d(n_channel)
        self.conv2 = nn.Conv1d(n_channel, 2 * n_channel, kernel_size=3)
        self.bn2 = nn.BatchNorm1d(2 * n_channel)
        self.fc1 = nn.Linear(2 * n_channel, n_output)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.bn1(self.conv1(x))), 4)
        x = F.max_pool1d(F.relu(self.bn2(self.conv2(x))), 4)
        return self.fc1(x.mean(-1))


def train(model, epoch, loader, optimizer, log_interval=10):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        output = model(data)
        loss = F.cross_entropy(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if batch_idx % log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(loader.dataset)}]\tLoss: {loss.item():.6f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    model = M5()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
    loader = DataLoader(FakeSpeechCommands(), batch_size=256, shuffle=True, collate_fn=collate_fn)
    for epoch in range(1, args.epochs + 1):
        train(model, epoch, loader, optimizer)
