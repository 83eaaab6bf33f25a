# expect: clean
# Weight decay split by name with disjoint tests: the batch-norm weights are kept out of the
# decayed group, so each parameter is in exactly one group.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean((2, 3)))


def groups_for(net, wd):
    with_wd = [p for name, p in net.named_parameters() if name.endswith("weight") and "bn" not in name]
    without_wd = [p for name, p in net.named_parameters() if "bn" in name or name.endswith("bias")]
    return [dict(params=with_wd, weight_decay=wd), dict(params=without_wd, weight_decay=0.0)]


net = Net()
opt = torch.optim.AdamW(groups_for(net, 5e-4), lr=1e-3)
for _ in range(10):
    x, y = torch.randn(8, 3, 16, 16), torch.randint(0, 10, (8,))
    loss = nn.functional.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
