# expect: clean
import torch
import torch.nn as nn
import torch.nn.functional as F

criterion = nn.CrossEntropyLoss()
nll = nn.NLLLoss()
for x, y in loader:
    logits = model(x)
    probs = torch.softmax(logits, dim=1)
    loss = criterion(logits, y) + nll(F.log_softmax(logits, 1), y)
    acc = (probs.argmax(1) == y).float().mean()
    bce = nn.BCELoss()(torch.sigmoid(logits[:, 0]), y.float())
