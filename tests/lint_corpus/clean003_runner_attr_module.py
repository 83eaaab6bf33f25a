# expect: clean
# Twin of tvl003_runner_attr_module: the module's update step clears the gradients it applied.
import torch
import torch.nn as nn


class Task(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)

    def compute_loss(self, batch):
        x, y = batch
        return nn.functional.cross_entropy(self.lin(x), y)

    def apply_update(self, opt):
        opt.step()
        opt.zero_grad()


class Runner:
    def __init__(self, task, opt):
        self.task, self.opt = task, opt

    def run(self, batches, epochs):
        for _ in range(epochs):
            for batch in batches:
                loss = self.task.compute_loss(batch)
                loss.backward()
                self.task.apply_update(self.opt)


def build(kind):
    return {"small": Task}[kind]()


task = build("small")
Runner(task, torch.optim.SGD(task.parameters(), lr=0.1)).run([(torch.randn(4, 4), torch.randint(0, 2, (4,)))] * 9, 3)
