# expect: TVL006
import torch

net = Net()
opt_a = torch.optim.Adam(net.encoder.parameters(), lr=1e-4)
opt_b = torch.optim.Adam(net.encoder.parameters(), lr=1e-3)
