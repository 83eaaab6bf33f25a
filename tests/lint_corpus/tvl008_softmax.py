# expect: TVL008
import torch
import torch.nn as nn

criterion = nn.CrossEntropyLoss()
model = Net()
optimizer = torch.optim.Adam(model.parameters())
for x, y in loader:
    optimizer.zero_grad()
    probs = torch.softmax(model(x), dim=1)
    loss = criterion(probs, y)
    loss.backward()
    optimizer.step()
