# expect: clean
import torch

model = Net()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
accum = 4
for i, (x, y) in enumerate(loader):
    loss = criterion(model(x), y) / accum
    loss.backward()
    if (i + 1) % accum == 0:
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
