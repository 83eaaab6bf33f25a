# expect: clean
import torch
from torch.utils.data import DataLoader


@torch.no_grad()
def validate(model, val_set, criterion):
    val_loader = DataLoader(val_set, batch_size=256, shuffle=True)
    model.eval()
    correct = total = 0
    loss_sum = 0.0
    for images, labels in val_loader:
        logits = model(images)
        loss_sum += criterion(logits, labels).item() * len(labels)
        correct += (logits.argmax(1) == labels).sum().item()
        total += len(labels)
    model.train()
    return loss_sum / len(val_set), correct / total
