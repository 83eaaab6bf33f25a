# expect: TVL001
import torch

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    optimizer.zero_grad()
    with torch.no_grad():
        out = model(x)
    loss = criterion(out, y)
    loss.backward()
    optimizer.step()
