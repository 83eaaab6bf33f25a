# expect: TVL007
# ReduceLROnPlateau with a patience of 4 (meant as epochs) is fed each batch's loss inside the
# batch loop: four noisy batches without a new best are enough to cut the learning rate.
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(11, 22), nn.Tanh(), nn.Linear(22, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=4)
batches = [(torch.randn(32, 11), torch.randn(32, 1)) for _ in range(60)]
for epoch in range(40):
    for xb, yb in batches:
        loss = nn.functional.mse_loss(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        plateau.step(loss.item())
