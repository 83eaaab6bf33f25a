# expect: TVL008
# style: pytorch/examples-style classifier where the model class and the train function live apart
# bug: the model's forward returns F.softmax (probabilities) and train()/evaluate() feed that to F.nll_loss
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SpeechCommandNet(nn.Module):
    def __init__(self, n_input=1, n_output=12, stride=16, n_channel=32):
        super().__init__()
        self.conv1 = nn.Conv1d(n_input, n_channel, kernel_size=80, stride=stride)
        self.bn1 = nn.BatchNorm1d(n_channel)
        self.conv2 = nn.Conv1d(n_channel, 2 * n_channel, kernel_size=3)
        self.bn2 = nn.BatchNorm1d(2 * n_channel)
        self.fc1 = nn.Linear(2 * n_channel, n_output)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.bn1(self.conv1(x))), 4)
        x = F.max_pool1d(F.relu(self.bn2(self.conv2(x))), 4)
        x = F.adaptive_avg_pool1d(x, 1).squeeze(-1)
        return F.softmax(self.fc1(x), dim=-1)


def train(model, loader, optimizer, epoch, log_interval):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        output = model(data)
        loss = F.nll_loss(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if batch_idx % log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(loader.dataset)}]\tLoss: {loss.item():.6f}")


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            correct += model(data).argmax(dim=-1).eq(target).sum().item()
    return correct / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--log-interval", type=int, default=20)
    args = parser.parse_args()
    waveforms = torch.randn(600, 1, 8000)
    labels = torch.randint(0, 12, (600,))
    train_loader = DataLoader(TensorDataset(waveforms[:500], labels[:500]), batch_size=64, shuffle=True)
    test_loader = DataLoader(TensorDataset(waveforms[500:], labels[500:]), batch_size=64)
    model = SpeechCommandNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
    for epoch in range(1, args.epochs + 1):
        train(model, train_loader, optimizer, epoch, args.log_interval)
        print(f"epoch {epoch} test acc {evaluate(model, test_loader):.3f}")


if __name__ == "__main__":
    main()
