# expect: clean
import torch
import torch.nn.functional as F

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9)
for (weak, strong), _ in unlabeled_loader:
    optimizer.zero_grad()
    with torch.no_grad():
        pseudo = model(weak).argmax(dim=1)
    loss = F.cross_entropy(model(strong), pseudo)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        ema.update(model)
