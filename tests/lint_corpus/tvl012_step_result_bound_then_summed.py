# expect: TVL012
# A Trainer's `update` method backpropagates and returns its loss in a dict; the epoch loop binds
# the result to a name and adds the "loss" entry, weighted by the batch size, to a running sum.
import torch
from torch import nn


class Trainer:
    def __init__(self, model, lr=3e-4):
        self.model = model
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr)
        self.crit = nn.SmoothL1Loss()

    def update(self, inputs, targets):
        self.opt.zero_grad(set_to_none=True)
        loss = self.crit(self.model(inputs), targets)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        return {"loss": loss, "size": inputs.shape[0]}

    def epoch(self, loader):
        summed, count = 0.0, 0
        for inputs, targets in loader:
            result = self.update(inputs, targets)
            summed = summed + result["loss"] * result["size"]
            count += result["size"]
        return summed / count
