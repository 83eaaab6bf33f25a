# expect: TVL003
# style: hand-written ignite-like Engine (process_function + event handlers)
# bug: in the update function zero_grad() is called between backward() and step(), so every step uses all-zero gradients
import argparse
from collections import defaultdict

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Engine:
    def __init__(self, process_function):
        self._process = process_function
        self._handlers = defaultdict(list)
        self.state = {"epoch": 0, "iteration": 0, "output": None}

    def on(self, event):
        def deco(fn):
            self._handlers[event].append(fn)
            return fn
        return deco

    def _fire(self, event):
        for fn in self._handlers[event]:
            fn(self)

    def run(self, loader, max_epochs):
        for _ in range(max_epochs):
            self.state["epoch"] += 1
            for batch in loader:
                self.state["iteration"] += 1
                self.state["output"] = self._process(self, batch)
                self._fire("iteration_completed")
            self._fire("epoch_completed")


def create_supervised_trainer(model, optimizer, loss_fn, device):
    def _update(engine, batch):
        model.train()
        x, y = (t.to(device) for t in batch)
        y_pred = model(x)
        loss = loss_fn(y_pred, y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        return loss.item()
    return Engine(_update)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--log-interval", type=int, default=50)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    ds = TensorDataset(torch.randn(6000, 1, 28, 28), torch.randint(0, 10, (6000,)))
    train_loader = DataLoader(ds, batch_size=64, shuffle=True)
    trainer = create_supervised_trainer(model, optimizer, nn.CrossEntropyLoss(), device)

    @trainer.on("iteration_completed")
    def log_training_loss(engine):
        if engine.state["iteration"] % args.log_interval == 0:
            print(f"Epoch[{engine.state['epoch']}] Iter[{engine.state['iteration']}] Loss: {engine.state['output']:.4f}")

    trainer.run(train_loader, max_epochs=args.epochs)


if __name__ == "__main__":
    main()
