# expect: TVL015
# A settings class stores its constructor's arguments; the run builds it without `shuffle`,
# whose default is off, and the training loader reads it from there.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class LoaderSettings:
    def __init__(self, batch_size, shuffle=False, workers=0):
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.workers = workers


def fit(model, data, settings, epochs=3):
    loader = DataLoader(data, batch_size=settings.batch_size, shuffle=settings.shuffle, num_workers=settings.workers)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()


fit(nn.Linear(4, 1), TensorDataset(torch.randn(256, 4), torch.randn(256, 1)), LoaderSettings(32))
