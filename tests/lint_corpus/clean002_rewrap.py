# expect: clean
"""logits fed to the loss as they come out of the model."""
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def compute_loss(self, x, y):
        logits = self.model(x)
        return self.criterion(logits, y)

    def step(self, x, y):
        self.optimizer.zero_grad()
        loss = self.compute_loss(x, y)
        loss.backward()
        self.optimizer.step()
        return loss.item()
