# expect: TVL002
import numpy as np
import torch


def train_epoch(model, optimizer, loader):
    for x, y in loader:
        optimizer.zero_grad()
        pred = model(x).cpu().numpy()
        err = torch.tensor(np.abs(pred - y.numpy()).mean(), requires_grad=True)
        err.backward()
        optimizer.step()
