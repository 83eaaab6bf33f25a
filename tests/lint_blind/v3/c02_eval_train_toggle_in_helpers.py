# expect: clean
# style: PyTorch ImageNet example split into train()/validate() helpers; validate() restores train mode itself via a context manager
# note: the epoch loop never calls model.train() directly, but train() does at its top and validate() uses an eval_mode() context that restores the previous mode
import argparse
import contextlib

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


@contextlib.contextmanager
def eval_mode(model):
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def train(loader, model, criterion, optimizer):
    model.train()
    for images, target in loader:
        loss = criterion(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def validate(loader, model, criterion):
    correct, total_loss = 0, 0.0
    with eval_mode(model), torch.no_grad():
        for images, target in loader:
            out = model(images)
            total_loss += criterion(out, target).item() * images.size(0)
            correct += (out.argmax(1) == target).sum().item()
    n = len(loader.dataset)
    return total_loss / n, correct / n


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.Dropout2d(0.1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
    train_loader = DataLoader(TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,))), batch_size=50, shuffle=True)
    val_loader = DataLoader(TensorDataset(torch.randn(200, 3, 32, 32), torch.randint(0, 10, (200,))), batch_size=100)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.1)
    best_acc1 = 0.0
    for epoch in range(args.epochs):
        train_loss = train(train_loader, model, criterion, optimizer)
        val_loss, acc1 = validate(val_loader, model, criterion)
        scheduler.step()
        best_acc1 = max(best_acc1, acc1)
        print(f"epoch {epoch}: train {train_loss:.3f} val {val_loss:.3f} acc@1 {acc1:.3f} best {best_acc1:.3f}")
