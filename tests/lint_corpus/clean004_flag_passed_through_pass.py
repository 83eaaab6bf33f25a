# expect: clean
# A runner's epoch method hands its `fit` flag down to a per-batch method, and both
# backward() and the optimizer step sit under `if fit:`, so the held-out epoch (fit=False)
# only measures.
import torch
import torch.nn as nn


class Runner:
    def __init__(self, net):
        self.net = net
        self.opt = torch.optim.SGD(net.parameters(), lr=0.1)

    def batch(self, xb, yb, fit):
        with torch.set_grad_enabled(fit):
            err = nn.functional.l1_loss(self.net(xb), yb)
        if fit:
            self.opt.zero_grad()
            err.backward()
            self.opt.step()
        return err.item()

    def epoch(self, chunks, fit):
        self.net.train(fit)
        return sum(self.batch(xb, yb, fit) for xb, yb in chunks) / len(chunks)


runner = Runner(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
fit_chunks = [(torch.randn(16, 4), torch.randn(16, 1)) for _ in range(12)]
held_chunks = [(torch.randn(16, 4), torch.randn(16, 1)) for _ in range(3)]
for round_ in range(6):
    runner.epoch(fit_chunks, fit=True)
    print(round_, runner.epoch(held_chunks, fit=False))
