# expect: TVL012
# style: Catalyst-style Runner with handle_batch() and an epoch-level metrics dict
# bug: handle_batch() does self.epoch_metrics["loss"] += loss with the loss tensor (not loss.item()), so every batch's graph stays referenced until on_epoch_end
import argparse
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SupervisedRunner:
    def __init__(self, model, criterion, optimizer):
        self.model, self.criterion, self.optimizer = model, criterion, optimizer
        self.epoch_metrics = defaultdict(float)
        self.batches = 0

    def on_epoch_start(self):
        self.epoch_metrics = defaultdict(float)
        self.batches = 0
        self.model.train()

    def handle_batch(self, batch):
        features, targets = batch
        logits = self.model(features)
        loss = self.criterion(logits, targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.epoch_metrics["loss"] += loss
        self.epoch_metrics["accuracy"] += (logits.argmax(-1) == targets).float().mean().item()
        self.batches += 1

    def on_epoch_end(self, epoch):
        summary = {k: float(v) / self.batches for k, v in self.epoch_metrics.items()}
        print(f"{epoch} * Epoch ({epoch}/train): " + " | ".join(f"{k}={v:.4f}" for k, v in summary.items()))

    def train(self, loaders, num_epochs):
        for epoch in range(1, num_epochs + 1):
            self.on_epoch_start()
            for batch in loaders["train"]:
                self.handle_batch(batch)
            self.on_epoch_end(epoch)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--num-epochs", type=int, default=8)
    args = ap.parse_args()
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    ds = TensorDataset(torch.rand(6000, 1, 28, 28), torch.randint(0, 10, (6000,)))
    loaders = {"train": DataLoader(ds, batch_size=32, shuffle=True)}
    SupervisedRunner(model, F.cross_entropy, optimizer).train(loaders, args.num_epochs)
