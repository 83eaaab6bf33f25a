# expect: TVL003
import torch


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters())

    def train_epoch(self, loader):
        for batch in loader:
            out = self.model(batch["x"])
            loss = self.loss_fn(out, batch["y"])
            loss.backward()
            self.optimizer.step()
