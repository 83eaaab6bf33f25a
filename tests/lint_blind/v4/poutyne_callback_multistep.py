# expect: TVL007
# style: Keras-like / poutyne-style Model.fit() wrapper with callback objects
# bug: the LRSchedulerCallback steps a MultiStepLR (milestones given in epochs: 60, 120, 160) from on_train_batch_end, i.e. once per batch
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Callback:
    def on_train_batch_end(self, batch_idx, logs): ...
    def on_epoch_end(self, epoch, logs): ...


class LRSchedulerCallback(Callback):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def on_train_batch_end(self, batch_idx, logs):
        self.scheduler.step()


class PrintLogger(Callback):
    def on_epoch_end(self, epoch, logs):
        print(f"Epoch {epoch}: " + ", ".join(f"{k}={v:.4f}" for k, v in logs.items()))


class Model:
    def __init__(self, network, optimizer, loss_function):
        self.network, self.optimizer, self.loss_function = network, optimizer, loss_function

    def fit_generator(self, train_loader, epochs, callbacks=()):
        for epoch in range(1, epochs + 1):
            self.network.train()
            total, count = 0.0, 0
            for batch_idx, (x, y) in enumerate(train_loader):
                self.optimizer.zero_grad()
                loss = self.loss_function(self.network(x), y)
                loss.backward()
                self.optimizer.step()
                total += float(loss) * len(x)
                count += len(x)
                for cb in callbacks:
                    cb.on_train_batch_end(batch_idx, {"loss": float(loss)})
            for cb in callbacks:
                cb.on_epoch_end(epoch, {"loss": total / count})


def wide_block(c_in, c_out):
    return nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, c_out, 3, padding=1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    args = ap.parse_args()
    net = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), wide_block(32, 64), wide_block(64, 128),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 100))
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.MultiStepLR(sgd, milestones=[60, 120, 160], gamma=0.2)
    loader = DataLoader(TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 100, (1000,))),
                        batch_size=128, shuffle=True)
    Model(net, sgd, F.cross_entropy).fit_generator(loader, args.epochs,
                                                   callbacks=[LRSchedulerCallback(sched), PrintLogger()])
