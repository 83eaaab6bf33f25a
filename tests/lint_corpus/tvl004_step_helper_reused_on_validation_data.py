# expect: TVL004
# One helper runs a batch end to end (loss, backward, step); the epoch loop reuses it over the
# validation batches to get their loss, so every validation batch also updates the weights.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def run_batch(model, opt, batch):
    feats, target = batch
    loss = nn.functional.smooth_l1_loss(model(feats).squeeze(-1), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


net = nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Linear(24, 1))
opt = torch.optim.RMSprop(net.parameters(), lr=1e-3)
train_loader = DataLoader(TensorDataset(torch.randn(512, 6), torch.randn(512)), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.randn(128, 6), torch.randn(128)), batch_size=64)
for epoch in range(8):
    seen = [run_batch(net, opt, b) for b in train_loader]
    held_out = 0.0
    for b in val_loader:
        held_out += run_batch(net, opt, b)
    print(epoch, sum(seen) / len(seen), held_out / len(val_loader))
