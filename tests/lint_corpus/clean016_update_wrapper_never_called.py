# expect: clean
# An AMP helper wraps each GradScaler call in its own method; the training loop calls
# finish() (the scaler's step) and then rescale() (the scaler's update).
import torch
import torch.nn as nn


class HalfPrecision:
    def __init__(self):
        self.gs = torch.cuda.amp.GradScaler()

    def backward(self, loss):
        self.gs.scale(loss).backward()

    def finish(self, optimizer):
        self.gs.step(optimizer)

    def rescale(self):
        self.gs.update()


model = nn.Linear(32, 4).cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
half = HalfPrecision()
for _ in range(1000):
    optimizer.zero_grad()
    with torch.autocast("cuda"):
        out = model(torch.randn(64, 32, device="cuda"))
    half.backward(out.pow(2).mean())
    half.finish(optimizer)
    half.rescale()
