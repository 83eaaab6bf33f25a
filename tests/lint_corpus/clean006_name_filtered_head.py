# expect: clean
# Twin of tvl006_name_filtered_head: the backbone is frozen before the head-only optimizer.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(16, 64), nn.ReLU())
        self.head = nn.Linear(64, 4)

    def forward(self, x):
        return self.head(self.backbone(x))


net = Net()
for name, p in net.named_parameters():
    p.requires_grad = name.startswith("head")
head_params = [p for name, p in net.named_parameters() if name.startswith("head")]
opt = torch.optim.Adam(head_params, lr=1e-3)
for _ in range(20):
    x, y = torch.randn(8, 16), torch.randint(0, 4, (8,))
    loss = nn.functional.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
