# expect: TVL013
import torch

model = Net()
optimizer = torch.optim.Adam(model.parameters())
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model.forward(x), y)
    loss.backward()
    optimizer.step()
