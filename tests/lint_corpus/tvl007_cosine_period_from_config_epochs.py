# expect: TVL007
# The cosine period is read from a config dict in epochs, less the warm-up epochs, and the
# schedule is stepped after every batch.
import torch
import torch.nn as nn

CONFIG = {"max_epochs": 60, "warmup_epochs": 3, "lr": 0.01}

net = nn.Sequential(nn.Linear(20, 40), nn.GELU(), nn.Linear(40, 5))
opt = torch.optim.AdamW(net.parameters(), lr=CONFIG["lr"])
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=CONFIG["max_epochs"] - CONFIG["warmup_epochs"])
data = [(torch.randn(8, 20), torch.randint(0, 5, (8,))) for _ in range(25)]
for epoch in range(CONFIG["max_epochs"]):
    for xb, yb in data:
        loss = nn.functional.cross_entropy(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
