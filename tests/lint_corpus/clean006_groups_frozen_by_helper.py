# expect: clean
# Groups for the neck and the head only, the backbone frozen by a helper imported from elsewhere:
# leaving it out of the optimizer is deliberate.
import torch
import torch.nn as nn
from mylib import freeze_backbone


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(8, 8)
        self.neck = nn.Linear(8, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)))


net = Net()
freeze_backbone(net)
opt = torch.optim.Adam([{"params": net.neck.parameters()}, {"params": net.head.parameters()}])
for _ in range(3):
    loss = net(torch.randn(2, 8)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
