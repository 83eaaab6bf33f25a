# expect: clean
# A wrapper that overrides forward and delegates to its parent class's forward, and a stored
# callable (not a module) whose forward is a plain method: neither skips module hooks.
import torch.nn as nn


class Scorer:
    def forward(self, x):
        return x.sum(-1)


class Tagged(nn.Linear):
    def __init__(self, d):
        super().__init__(d, d)
        self.scorer = Scorer()

    def forward(self, x):
        return self.scorer.forward(super().forward(x))
