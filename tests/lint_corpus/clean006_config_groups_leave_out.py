# expect: clean
# Twin of tvl006_config_groups_leave_out: the config lists the decoder too.
import torch
import torch.nn as nn

CFG = {"param_groups": [{"name": "encoder", "lr": 1e-3}, {"name": "decoder", "lr": 1e-3}, {"name": "head", "lr": 1e-2}]}


class Seg(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Conv2d(3, 8, 3, padding=1)
        self.decoder = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        return self.head(torch.relu(self.decoder(torch.relu(self.encoder(x)))))


def make_optimizer(net, cfg):
    groups = [{"params": getattr(net, g["name"]).parameters(), "lr": g["lr"]} for g in cfg["param_groups"]]
    return torch.optim.SGD(groups, momentum=0.9)


seg = Seg()
optimizer = make_optimizer(seg, CFG)
for _ in range(10):
    x, y = torch.randn(2, 3, 16, 16), torch.randint(0, 2, (2, 16, 16))
    loss = nn.functional.cross_entropy(seg(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
