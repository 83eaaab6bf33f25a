# expect: TVL001
# style: pytorch-ignite hand-written engine (Engine/Events idiom without the library)
# bug: train_step gets its logits from infer_batch(), which is decorated with @torch.no_grad(), so the loss has no graph
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("engine")


class SmallConvNet(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.fc(self.body(x).flatten(1))


@torch.no_grad()
def infer_batch(model, batch, device):
    x, _ = batch
    return model(x.to(device))


def make_train_step(model, optimizer, device):
    def train_step(engine_state, batch):
        model.train()
        optimizer.zero_grad()
        logits = infer_batch(model, batch, device)
        loss = F.cross_entropy(logits, batch[1].to(device))
        loss.backward()
        optimizer.step()
        return loss.item()
    return train_step


class Engine:
    def __init__(self, process_fn):
        self.process_fn = process_fn
        self.handlers = []
        self.state = {"epoch": 0, "iteration": 0, "output": None}

    def on_epoch_completed(self, fn):
        self.handlers.append(fn)

    def run(self, loader, max_epochs):
        for epoch in range(max_epochs):
            self.state["epoch"] = epoch
            for batch in loader:
                self.state["iteration"] += 1
                self.state["output"] = self.process_fn(self.state, batch)
            for h in self.handlers:
                h(self.state)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=1e-3)
    args = p.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ds = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    model = SmallConvNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    trainer = Engine(make_train_step(model, opt, device))
    trainer.on_epoch_completed(lambda s: log.info("epoch %d loss %.4f", s["epoch"], s["output"]))
    trainer.run(loader, args.epochs)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
