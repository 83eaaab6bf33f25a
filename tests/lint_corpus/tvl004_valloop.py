# expect: TVL004
import torch

opt = torch.optim.Adam(net.parameters())
for epoch in range(epochs):
    net.train()
    for x, y in train_loader:
        opt.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        opt.step()
    for x, y in val_loader:
        opt.zero_grad()
        val_loss = criterion(net(x), y)
        val_loss.backward()
        opt.step()
