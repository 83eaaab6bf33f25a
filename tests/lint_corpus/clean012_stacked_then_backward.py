# expect: clean
import torch
import torch.nn as nn

model = nn.Linear(5, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(3):
    chunk = []
    for _ in range(4):
        x, y = torch.randn(16, 5), torch.randn(16, 1)
        chunk.append(nn.functional.mse_loss(model(x), y))
    total = torch.stack(chunk).mean()
    opt.zero_grad()
    total.backward()
    opt.step()
