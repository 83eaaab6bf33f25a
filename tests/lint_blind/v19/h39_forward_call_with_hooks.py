# expect: TVL013
# style: fine-grained bird classifier script that registers forward hooks for feature logging / spectral norm
# bug: the training loop calls model.forward(images) directly, so the registered forward hooks (and forward pre-hooks) on the model never run during training
import argparse
import logging
import os
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("birds")


class BirdNet(nn.Module):
    def __init__(self, n_classes=200, width=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 7, 2, 3), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        self.layer1 = self._stage(width, width * 2)
        self.layer2 = self._stage(width * 2, width * 4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width * 4, n_classes)

    @staticmethod
    def _stage(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(),
                             nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(self.pool(x).flatten(1))


class ActivationStats:
    def __init__(self):
        self.stats = defaultdict(list)
        self.handles = []

    def attach(self, model, names):
        for name, mod in model.named_modules():
            if name in names:
                self.handles.append(mod.register_forward_hook(self._make_hook(name)))

    def _make_hook(self, name):
        def hook(mod, inp, out):
            self.stats[name].append(out.detach().float().std().item())
        return hook

    def summary(self):
        s = {k: sum(v) / len(v) for k, v in self.stats.items() if v}
        self.stats.clear()
        return s


def input_normalizer(mean, std):
    mean = torch.tensor(mean).view(1, 3, 1, 1)
    std = torch.tensor(std).view(1, 3, 1, 1)

    def pre_hook(module, args):
        (x,) = args
        return ((x - mean.to(x.device)) / std.to(x.device),)
    return pre_hook


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--out", default="birds_ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(TensorDataset(torch.rand(3000, 3, 112, 112), torch.randint(0, 200, (3000,))),
                          batch_size=args.bs, shuffle=True, num_workers=4)
    val_dl = DataLoader(TensorDataset(torch.rand(500, 3, 112, 112), torch.randint(0, 200, (500,))),
                        batch_size=100, num_workers=4)

    model = BirdNet().to(device)
    # normalisation lives in a pre-hook so exported checkpoints accept raw [0, 1] images
    model.register_forward_pre_hook(input_normalizer([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))
    act_stats = ActivationStats()
    act_stats.attach(model, {"layer1", "layer2"})

    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4, nesterov=True)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    os.makedirs(args.out, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        tot, n = 0.0, 0
        for images, labels in train_dl:
            images, labels = images.to(device), labels.to(device)
            logits = model.forward(images)
            loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tot += loss.item() * labels.size(0)
            n += labels.size(0)
        scheduler.step()

        model.eval()
        correct = total = 0
        with torch.no_grad():
            for images, labels in val_dl:
                pred = model(images.to(device)).argmax(1).cpu()
                correct += (pred == labels).sum().item()
                total += labels.numel()
        acc = correct / total
        log.info("epoch %d loss %.4f val acc %.4f act %s", epoch, tot / n, acc, act_stats.summary())
        if acc > best:
            best = acc
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
    log.info("best acc %.4f", best)


if __name__ == "__main__":
    main()
