# expect: TVL004
# The held-out pass lives in a function named plainly `test`, copied from `train` with its
# backward and optimizer step left in: each epoch also fits the held-out batches.
import torch
import torch.nn as nn


def train(model, loader, opt):
    model.train()
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


def test(model, loader, opt):
    model.eval()
    total = 0.0
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    return total


model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
tr = [(torch.randn(4, 3), torch.randn(4, 1))]
te = [(torch.randn(4, 3), torch.randn(4, 1))]
for epoch in range(3):
    train(model, tr, opt)
    print(test(model, te, opt))
