# expect: clean
# style: hand-written ignite-like Engine with event handlers; StepLR attached to EPOCH_COMPLETED, evaluator run from a handler; custom weight init via .data
# note: StepLR is stepped once per epoch by the epoch_completed handler; the evaluator handler puts the model back in train mode; .data is used only in init_weights
import argparse
from collections import defaultdict

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Engine:
    def __init__(self, process_fn):
        self.process_fn, self.handlers = process_fn, defaultdict(list)
        self.state = {"epoch": 0, "iteration": 0, "output": None}

    def add_event_handler(self, event, fn):
        self.handlers[event].append(fn)

    def run(self, loader, max_epochs):
        for _ in range(max_epochs):
            self.state["epoch"] += 1
            for batch in loader:
                self.state["iteration"] += 1
                self.state["output"] = self.process_fn(self, batch)
            for fn in self.handlers["epoch_completed"]:
                fn(self)


def init_weights(m):
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0.0, 0.02)
        m.bias.data.zero_()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    args = ap.parse_args()
    model = nn.Sequential(nn.Linear(40, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 6))
    model.apply(init_weights)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.3)
    train_loader = DataLoader(TensorDataset(torch.randn(3000, 40), torch.randint(0, 6, (3000,))), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(torch.randn(600, 40), torch.randint(0, 6, (600,))), batch_size=200)

    def train_step(engine, batch):
        model.train()
        x, y = batch
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    trainer = Engine(train_step)

    def run_validation(engine):
        model.eval()
        with torch.no_grad():
            correct = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader)
        model.train()
        print(f"Epoch {engine.state['epoch']}: val acc {correct / 600:.4f} lr {scheduler.get_last_lr()[0]:.4f}")

    trainer.add_event_handler("epoch_completed", run_validation)
    trainer.add_event_handler("epoch_completed", lambda engine: scheduler.step())
    trainer.run(train_loader, max_epochs=args.epochs)
