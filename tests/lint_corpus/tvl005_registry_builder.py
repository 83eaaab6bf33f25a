# expect: TVL005
# Backbones picked from a name -> builder table by a config, gathered by a helper into a plain dict.
import torch
import torch.nn as nn


def conv_stem(spec):
    return nn.Sequential(nn.Conv2d(spec["in"], spec["width"], 3, padding=1), nn.ReLU())


def dense_stem(spec):
    return nn.Linear(spec["in"], spec["width"])


STEMS = {"conv": conv_stem, "dense": dense_stem}


def make_stems(specs):
    return {key: STEMS[spec["kind"]](spec) for key, spec in specs.items()}


class MultiInput(nn.Module):
    def __init__(self, specs, n_out):
        super().__init__()
        self.stems = make_stems(specs)
        self.out = nn.Linear(sum(s["width"] for s in specs.values()), n_out)

    def forward(self, inputs):
        return self.out(torch.cat([self.stems[k](inputs[k]).flatten(1) for k in sorted(self.stems)], -1))
