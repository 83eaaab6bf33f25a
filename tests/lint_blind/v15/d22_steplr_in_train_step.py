# expect: TVL007
# style: Trainer class for audio event classification; scheduler owned by the trainer and stepped in train_step()
# bug: a StepLR with step_size=30 (meant as epochs, per the config comment) is stepped inside train_step(), i.e. every batch, so the LR is divided by 10 every 30 iterations and collapses within the first epoch
import argparse
import logging
import os
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    lr_step_epochs: int = 30  # decay every 30 epochs
    lr_gamma: float = 0.1
    epochs: int = 90
    batch_size: int = 64
    ckpt_dir: str = "ckpt_audio"


class MelCNN(nn.Module):
    def __init__(self, n_classes=50):
        super().__init__()
        chans = [1, 32, 64, 128, 256]
        blocks = []
        for a, b in zip(chans[:-1], chans[1:]):
            blocks += [nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*blocks)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        x = self.features(x)
        x = x.mean(dim=3).amax(dim=2)
        return self.fc(self.drop(x))


class Trainer:
    def __init__(self, model, cfg: TrainConfig, device):
        self.model = model.to(device)
        self.cfg = cfg
        self.device = device
        self.optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                         weight_decay=cfg.weight_decay, nesterov=True)
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, step_size=cfg.lr_step_epochs,
                                                         gamma=cfg.lr_gamma)
        self.global_step = 0

    def train_step(self, batch):
        x, y = (t.to(self.device) for t in batch)
        logits = self.model(x)
        loss = F.cross_entropy(logits, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.global_step += 1
        return {"loss": loss.item(), "acc": (logits.argmax(1) == y).float().mean().item()}

    @torch.no_grad()
    def eval_epoch(self, loader):
        self.model.eval()
        correct, n = 0, 0
        for x, y in loader:
            correct += (self.model(x.to(self.device)).argmax(1).cpu() == y).sum().item()
            n += y.numel()
        return correct / n

    def fit(self, train_loader, val_loader):
        os.makedirs(self.cfg.ckpt_dir, exist_ok=True)
        best = 0.0
        for epoch in range(self.cfg.epochs):
            self.model.train()
            stats = []
            for batch in train_loader:
                stats.append(self.train_step(batch))
            acc = self.eval_epoch(val_loader)
            mean_loss = sum(s["loss"] for s in stats) / len(stats)
            logger.info("epoch %d step %d loss %.4f val_acc %.4f lr %.5f", epoch, self.global_step,
                        mean_loss, acc, self.optimizer.param_groups[0]["lr"])
            if acc > best:
                best = acc
                torch.save({"model": self.model.state_dict(), "epoch": epoch},
                           os.path.join(self.cfg.ckpt_dir, "best.pt"))
        return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=90)
    p.add_argument("--lr", type=float, default=0.1)
    a = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    cfg = TrainConfig(lr=a.lr, epochs=a.epochs)
    mels = torch.randn(2000, 1, 64, 128)
    labels = torch.randint(0, 50, (2000,))
    train_loader = DataLoader(TensorDataset(mels[:1600], labels[:1600]), batch_size=cfg.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(mels[1600:], labels[1600:]), batch_size=128)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    best = Trainer(MelCNN(), cfg, device).fit(train_loader, val_loader)
    print("best val acc", best)


if __name__ == "__main__":
    main()
