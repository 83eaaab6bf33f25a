# expect: TVL006
import torch

model = build_model()
optimizer = torch.optim.Adam(model.head.parameters(), lr=1e-3)
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
