# expect: clean
# ReduceLROnPlateau with a patience of 4 epochs is fed the epoch's mean loss once per epoch,
# after the batch loop.
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(11, 22), nn.Tanh(), nn.Linear(22, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=4)
batches = [(torch.randn(32, 11), torch.randn(32, 1)) for _ in range(60)]
for epoch in range(40):
    total = 0.0
    for xb, yb in batches:
        loss = nn.functional.mse_loss(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    plateau.step(total / len(batches))
