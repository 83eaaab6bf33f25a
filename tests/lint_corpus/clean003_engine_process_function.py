# expect: clean
# Twin of tvl003_engine_process_function: the process function clears the gradients first.
import torch
import torch.nn as nn
from ignite.engine import Engine

model = nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def update(engine, batch):
    x, y = batch
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


trainer = Engine(update)
trainer.run([(torch.randn(4, 10), torch.randint(0, 2, (4,)))] * 100, max_epochs=5)
