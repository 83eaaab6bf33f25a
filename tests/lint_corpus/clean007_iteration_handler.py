# expect: clean
# Twin of tvl007_iteration_handler: the StepLR handler is registered for the epoch event.
import torch
import torch.nn as nn
from ignite.engine import Engine, Events

model = nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)


def update(engine, batch):
    x, y = batch
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


trainer = Engine(update)


@trainer.on(Events.EPOCH_COMPLETED)
def step_lr(engine):
    scheduler.step()


trainer.run([(torch.randn(4, 10), torch.randint(0, 2, (4,)))] * 100, max_epochs=90)
