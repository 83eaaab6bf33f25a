# expect: TVL003
# An ignite-style process function backpropagates and steps every iteration; nothing in the
# file clears the gradients.
import torch
import torch.nn as nn
from ignite.engine import Engine

model = nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def update(engine, batch):
    x, y = batch
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


trainer = Engine(update)
trainer.run([(torch.randn(4, 10), torch.randint(0, 2, (4,)))] * 100, max_epochs=5)
