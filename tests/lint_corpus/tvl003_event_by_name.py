# expect: TVL003
# The loop fires events by name (`self.emit("step_end")`) and a handler looked up with getattr
# does backward and step; no handler and no loop clears the gradients.
import torch
import torch.nn as nn


class StepHandler:
    def step_end(self, loop):
        loop.loss.backward()
        loop.optim.step()


class Loop:
    def __init__(self, model, optim, handlers):
        self.model, self.optim, self.handlers = model, optim, handlers

    def emit(self, event):
        for hd in self.handlers:
            fn = getattr(hd, event, None)
            if fn is not None:
                fn(self)

    def run(self, data, epochs):
        for _ in range(epochs):
            for x, y in data:
                self.loss = nn.functional.cross_entropy(self.model(x), y)
                self.emit("step_end")


model = nn.Linear(10, 4)
data = [(torch.randn(16, 10), torch.randint(0, 4, (16,))) for _ in range(5)]
Loop(model, torch.optim.Adam(model.parameters()), [StepHandler()]).run(data, 2)
