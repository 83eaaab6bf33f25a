# expect: clean
import torch


@torch.no_grad()
def validate(model, val_loader, criterion):
    model.eval()
    total = 0.0
    for x, y in val_loader:
        total += criterion(model(x), y).item()
    model.train()
    return total
