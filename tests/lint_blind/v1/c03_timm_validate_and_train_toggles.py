# expect: clean
# style: timm train.py (train_one_epoch() begins with model.train(); validate() sets model.eval())
# note: eval()/train() are toggled in separate helpers, correctly: every epoch re-enters train mode; CosineAnnealingLR per epoch
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")


def create_model(num_classes=10, drop_rate=0.2):
    return nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Dropout(drop_rate), nn.Linear(64, num_classes))


def train_one_epoch(epoch, model, loader, optimizer, loss_fn):
    model.train()
    loss_sum, n = 0.0, 0
    for input, target in loader:
        output = model(input)
        loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * input.size(0)
        n += input.size(0)
    return {"loss": loss_sum / n}


def validate(model, loader, loss_fn):
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for input, target in loader:
            output = model(input)
            loss_sum += loss_fn(output, target).item() * input.size(0)
            correct += (output.argmax(-1) == target).sum().item()
            n += input.size(0)
    return {"loss": loss_sum / n, "top1": 100.0 * correct / n}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    train_ds = TensorDataset(torch.randn(2048, 3, 32, 32), torch.randint(0, 10, (2048,)))
    eval_ds = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    loader_train = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, drop_last=True)
    loader_eval = DataLoader(eval_ds, batch_size=args.batch_size * 2)
    model = create_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True)
    lr_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(args.epochs):
        train_metrics = train_one_epoch(epoch, model, loader_train, optimizer, loss_fn)
        eval_metrics = validate(model, loader_eval, nn.CrossEntropyLoss())
        lr_scheduler.step()
        _logger.info("epoch %d train %s eval %s", epoch, train_metrics, eval_metrics)


if __name__ == "__main__":
    main()
