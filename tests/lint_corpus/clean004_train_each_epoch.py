# expect: clean
import torch

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(20):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            metric.update(model(x), y)
