# expect: clean
# style: fast.ai-style / Kaggle "super-convergence" script with OneCycleLR sized by steps_per_epoch
# note: OneCycleLR is a per-batch scheduler (total_steps = epochs * steps_per_epoch), so stepping it after every optimizer.step() is correct
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResNet9(nn.Module):
    def __init__(self, n_cls=10):
        super().__init__()
        self.prep = conv_bn(3, 64)
        self.layer1 = nn.Sequential(conv_bn(64, 128), nn.MaxPool2d(2))
        self.res1 = nn.Sequential(conv_bn(128, 128), conv_bn(128, 128))
        self.layer2 = nn.Sequential(conv_bn(128, 256), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(256, n_cls))

    def forward(self, x):
        x = self.layer1(self.prep(x))
        x = x + self.res1(x)
        return self.classifier(self.layer2(x))


def fit_one_cycle(epochs, max_lr, model, train_dl, val_dl, weight_decay=1e-4, grad_clip=0.1):
    optimizer = torch.optim.Adam(model.parameters(), max_lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr, epochs=epochs, steps_per_epoch=len(train_dl))
    history = []
    for epoch in range(epochs):
        model.train()
        lrs = []
        for x, y in train_dl:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            nn.utils.clip_grad_value_(model.parameters(), grad_clip)
            optimizer.step()
            optimizer.zero_grad()
            lrs.append(optimizer.param_groups[0]["lr"])
            sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).float().sum().item() for x, y in val_dl) / len(val_dl.dataset)
        history.append({"epoch": epoch, "val_acc": acc, "last_lr": lrs[-1]})
        print(history[-1])
    return history


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--max-lr", type=float, default=0.01)
    args = ap.parse_args()
    train_dl = DataLoader(TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,))), batch_size=128, shuffle=True)
    val_dl = DataLoader(TensorDataset(torch.randn(500, 3, 32, 32), torch.randint(0, 10, (500,))), batch_size=256)
    fit_one_cycle(args.epochs, args.max_lr, ResNet9(), train_dl, val_dl)
