# expect: TVL008
# style: beginner notebook, MNIST MLP with softmax output layer
# bug: The model ends in nn.Softmax(dim=1) and its output is fed to nn.CrossEntropyLoss.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(784, 256),
    nn.ReLU(),
    nn.Linear(256, 128),
    nn.ReLU(),
    nn.Linear(128, 10),
    nn.Softmax(dim=1),
)

# fake MNIST
train_x = torch.rand(6000, 1, 28, 28)
train_y = torch.randint(0, 10, (6000,))
test_x = torch.rand(1000, 1, 28, 28)
test_y = torch.randint(0, 10, (1000,))
train_loader = DataLoader(TensorDataset(train_x, train_y), batch_size=64, shuffle=True)
test_loader = DataLoader(TensorDataset(test_x, test_y), batch_size=1000)

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

train_losses, test_accs = [], []
for epoch in range(10):
    model.train()
    running = 0.0
    for images, labels in train_loader:
        optimizer.zero_grad()
        probs = model(images)
        loss = criterion(probs, labels)
        loss.backward()
        optimizer.step()
        running += loss.item()
    train_losses.append(running / len(train_loader))

    model.eval()
    with torch.no_grad():
        for images, labels in test_loader:
            acc = (model(images).argmax(1) == labels).float().mean().item()
    test_accs.append(acc)
    print(f"Epoch {epoch+1}/10  loss={train_losses[-1]:.4f}  test_acc={acc:.4f}")

torch.save(model.state_dict(), "mnist_mlp.pt")
