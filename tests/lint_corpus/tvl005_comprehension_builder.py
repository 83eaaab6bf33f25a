# expect: TVL005
# A U-Net encoder whose stages come from a method of the class, kept in a list comprehension.
import torch.nn as nn


class UNetEncoder(nn.Module):
    def __init__(self, chans=(3, 32, 64, 128)):
        super().__init__()
        self.stages = [self._stage(a, b) for a, b in zip(chans, chans[1:])]

    def _stage(self, c_in, c_out):
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))

    def forward(self, x):
        skips = []
        for stage in self.stages:
            x = stage(x)
            skips.append(x)
        return x, skips
