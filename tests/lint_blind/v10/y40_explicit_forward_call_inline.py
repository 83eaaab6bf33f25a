# expect: TVL013
# style: notebook export, flower classifier with forward hooks for feature logging
# bug: The training loop calls model.forward(x) directly, bypassing the registered forward hook (and nn.Module.__call__).
import argparse
import json
import logging
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(__name__)
logger = log


def parse_args(extra=None):
    parser = argparse.ArgumentParser(description="training script")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=str, default="./outputs")
    parser.add_argument("--device", type=str, default="cuda")
    parser.add_argument("--log-every", type=int, default=20)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        args.device = "cpu"
    return args


def set_seed(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def dump_metrics(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(history, f, indent=2)


def save_checkpoint(state, out_dir, name="checkpoint.pt"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


class FlowerNet(nn.Module):
    def __init__(self, n=102):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                                      nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(64, n)

    def forward(self, x):
        return self.fc(self.features(x))


activation_stats = []


def log_activation(module, inputs, output):
    activation_stats.append(output.detach().abs().mean().item())


# %% data
x = torch.randn(1200, 3, 96, 96)
y = torch.randint(0, 102, (1200,))
train_loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)

# %% model
model = FlowerNet()
handle = model.register_forward_hook(log_activation)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

# %% train
for epoch in range(8):
    model.train()
    tot, correct, seen = 0.0, 0, 0
    for xb, yb in train_loader:
        opt.zero_grad()
        logits = model.forward(xb)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        opt.step()
        tot += loss.item() * xb.size(0)
        correct += (logits.argmax(1) == yb).sum().item()
        seen += xb.size(0)
    mean_act = np.mean(activation_stats) if activation_stats else float("nan")
    activation_stats.clear()
    print(f"epoch {epoch} loss {tot / seen:.4f} acc {correct / seen:.3f} mean|act| {mean_act:.3f}")

handle.remove()
save_checkpoint({"model": model.state_dict()}, "flowers_out")
