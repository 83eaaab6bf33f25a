# expect: clean
# Twin of tvl006_groups_leave_out_submodule: the encoder has its own group.
import torch
import torch.nn as nn


class TextNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(1000, 32)
        self.encoder = nn.GRU(32, 64, batch_first=True)
        self.classifier = nn.Linear(64, 2)

    def forward(self, ids):
        out, _ = self.encoder(self.embed(ids))
        return self.classifier(out[:, -1])


net = TextNet()
opt = torch.optim.Adam([
    {"params": net.embed.parameters(), "lr": 1e-3},
    {"params": net.encoder.parameters(), "lr": 1e-3},
    {"params": net.classifier.parameters(), "lr": 1e-2},
])
for _ in range(30):
    ids, y = torch.randint(0, 1000, (8, 20)), torch.randint(0, 2, (8,))
    loss = nn.functional.cross_entropy(net(ids), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
