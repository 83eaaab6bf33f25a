# expect: TVL007
# style: hook-based engine (ignite-like), CIFAR-style ResNet training
# bug: the LR scheduler hook registered on ITERATION_COMPLETED steps a StepLR configured with step_size=30 epochs, so the LR decays every 30 batches
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("engine")


class Events:
    EPOCH_STARTED = "epoch_started"
    ITERATION_COMPLETED = "iteration_completed"
    EPOCH_COMPLETED = "epoch_completed"


class Engine:
    def __init__(self, process_fn):
        self.process_fn = process_fn
        self.handlers = defaultdict(list)
        self.state = {"epoch": 0, "iteration": 0, "output": None}

    def on(self, event):
        def decorator(fn):
            self.handlers[event].append(fn)
            return fn
        return decorator

    def fire(self, event):
        for fn in self.handlers[event]:
            fn(self)

    def run(self, loader, max_epochs):
        for epoch in range(max_epochs):
            self.state["epoch"] = epoch
            self.fire(Events.EPOCH_STARTED)
            for batch in loader:
                self.state["iteration"] += 1
                self.state["output"] = self.process_fn(self, batch)
                self.fire(Events.ITERATION_COMPLETED)
            self.fire(Events.EPOCH_COMPLETED)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = nn.Sequential() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.b1(self.c1(x)))
        return F.relu(self.b2(self.c2(out)) + self.short(x))


def resnet_small(n_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        BasicBlock(32, 32, 1), BasicBlock(32, 64, 2), BasicBlock(64, 128, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, n_classes),
    )


def main(max_epochs=90):
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,))
    train_loader = DataLoader(TensorDataset(x[:4000], y[:4000]), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[4000:], y[4000:]), batch_size=500)

    model = resnet_small()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)

    def update(engine, batch):
        model.train()
        xb, yb = batch
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    trainer = Engine(update)

    @trainer.on(Events.ITERATION_COMPLETED)
    def step_lr(engine):
        scheduler.step()

    @trainer.on(Events.ITERATION_COMPLETED)
    def log_loss(engine):
        if engine.state["iteration"] % 50 == 0:
            logger.info("iter %d loss %.4f lr %.5f", engine.state["iteration"], engine.state["output"],
                        optimizer.param_groups[0]["lr"])

    @trainer.on(Events.EPOCH_COMPLETED)
    def run_validation(engine):
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in val_loader:
                correct += (model(xb).argmax(1) == yb).sum().item()
        model.train()
        logger.info("epoch %d val acc %.4f", engine.state["epoch"], correct / 1000)

    trainer.run(train_loader, max_epochs)


if __name__ == "__main__":
    main()
