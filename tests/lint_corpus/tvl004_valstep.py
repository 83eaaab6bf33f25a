# expect: TVL004
import torch


def validate(model, val_loader, optimizer, criterion):
    model.eval()
    total = 0.0
    for x, y in val_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total
