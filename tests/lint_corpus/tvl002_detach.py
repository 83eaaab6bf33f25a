# expect: TVL002
import torch

model = Net()
optimizer = torch.optim.Adam(model.parameters())
for x, y in loader:
    optimizer.zero_grad()
    logits = model(x)
    loss = criterion(logits.detach(), y)
    loss.backward()
    optimizer.step()
