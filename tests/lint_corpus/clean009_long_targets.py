# expect: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


def train_epoch(model, loader, optimizer):
    criterion = nn.CrossEntropyLoss()
    for images, labels in loader:
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels.long())
        loss = loss + F.nll_loss(F.log_softmax(outputs, dim=1), labels)
        loss.backward()
        optimizer.step()
        _, predicted = torch.max(outputs, 1)
        correct = (predicted == labels).sum().item()
    return correct


def contrastive(img_emb, txt_emb, t=0.07):
    logits = img_emb @ txt_emb.T / t
    target = torch.arange(len(logits))
    return F.cross_entropy(logits, target)
