# expect: TVL009
# style: torchaudio speech-commands tutorial-like script with a custom Dataset
# bug: SpeechCommands-like Dataset returns the class index as a float32 tensor, which train() passes as the target of F.cross_entropy
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

LABELS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


class CommandsDataset(Dataset):
    def __init__(self, n=600, sr=8000):
        self.waves = torch.randn(n, 1, sr)
        self.words = [LABELS[i % len(LABELS)] for i in range(n)]

    def __len__(self):
        return len(self.words)

    def __getitem__(self, i):
        label = torch.tensor(LABELS.index(self.words[i]), dtype=torch.float32)
        return self.waves[i], label


class M5(nn.Module):
    def __init__(self, n_input=1, n_output=10, stride=16, n_channel=32):
        super().__init__()
        self.conv1 = nn.Conv1d(n_input, n_channel, kernel_size=80, stride=stride)
        self.bn1 = nn.BatchNorm1d(n_channel)
        self.conv2 = nn.Conv1d(n_channel, 2 * n_channel, kernel_size=3)
        self.bn2 = nn.BatchNorm1d(2 * n_channel)
        self.fc1 = nn.Linear(2 * n_channel, n_output)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.bn1(self.conv1(x))), 4)
        x = F.max_pool1d(F.relu(self.bn2(self.conv2(x))), 4)
        return self.fc1(x.mean(-1))


def train(model, epoch, loader, optimizer, log_interval=5):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        output = model(data)
        loss = F.cross_entropy(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if batch_idx % log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(loader.dataset)}]\tLoss: {loss.item():.6f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n_epoch", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=64)
    args = parser.parse_args()
    loader = DataLoader(CommandsDataset(), batch_size=args.batch_size, shuffle=True, drop_last=True)
    model = M5(n_output=len(LABELS))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.1)
    for epoch in range(1, args.n_epoch + 1):
        train(model, epoch, loader, optimizer)
        scheduler.step()


if __name__ == "__main__":
    main()
