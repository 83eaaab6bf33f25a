# expect: clean
# Low-rank adapters trained alone: a parameter-efficient library freezes the base weights, so an
# optimizer over the parameters named "lora_" is the whole trainable set.
import loralib as lora
import torch
import torch.nn as nn

net = nn.Sequential(lora.Linear(16, 16, r=4), nn.ReLU(), lora.Linear(16, 2, r=4))
lora.mark_only_lora_as_trainable(net)
opt = torch.optim.AdamW([p for n, p in net.named_parameters() if "lora_" in n], lr=1e-3)
for _ in range(20):
    loss = net(torch.randn(8, 16)).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
