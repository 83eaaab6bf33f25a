# expect: TVL004
import torch

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model.train()
for epoch in range(20):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        acc = evaluate(model, val_loader)
