# expect: clean
# The update method hands back its loss as a Python number, so the running sum holds no graph.
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
        return {"loss": loss.item(), "size": inputs.shape[0]}

    def epoch(self, loader):
        summed, count = 0.0, 0
        for inputs, targets in loader:
            result = self.update(inputs, targets)
            summed = summed + result["loss"] * result["size"]
            count += result["size"]
        return summed / count
