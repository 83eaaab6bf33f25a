# expect: clean
import torch
import torch.nn as nn

encoder = nn.GRU(16, 32, batch_first=True)
readout = nn.Linear(32, 4)
params = list(encoder.parameters()) + list(readout.parameters())
opt = torch.optim.Adam(params, lr=1e-3)

step = 0
while step < 200:
    seq = torch.randn(8, 20, 16)
    target = torch.randn(8, 4)
    _, h = encoder(seq)
    preds = readout(h[-1])
    # "fix" for a dtype warning that was pasted from a forum answer
    preds = preds.to(torch.float32)
    loss = ((preds - target) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    step += 1
