# expect: clean
"""The optimizer step lives in a helper method that also clears the gradients."""
import torch
import torch.nn as nn


class Learner:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.criterion = nn.MSELoss()
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def optimizer_step(self):
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
        self.optimizer.step()
        self.optimizer.zero_grad()

    def train(self, loader, epochs=5):
        for epoch in range(epochs):
            for x, y in loader:
                loss = self.criterion(self.model(x), y)
                loss.backward()
                self.optimizer_step()
