# expect: TVL015
import torch


def make_loaders(train_set, batch_size):
    return torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=False)
