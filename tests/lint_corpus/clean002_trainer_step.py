# expect: clean
# A trainer class (not Lightning) whose training_step backpropagates itself and returns the
# loss detached, for logging: the returned value is not what gets differentiated.
import torch


class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def training_step(self, model, batch):
        model.train()
        batch = self._move_to_device(batch)
        loss = self.compute_loss(model, batch)
        loss.backward()
        return loss.detach()

    def _move_to_device(self, batch):
        return {k: v.to("cuda") for k, v in batch.items()}

    def compute_loss(self, model, batch):
        return model(**batch).loss

    def train(self, loader):
        for batch in loader:
            self.optimizer.zero_grad()
            self.training_step(self.model, batch)
            self.optimizer.step()
        return torch.zeros(())
