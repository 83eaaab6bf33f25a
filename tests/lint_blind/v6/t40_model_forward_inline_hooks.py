# expect: TVL013
# style: plain training script with a registered forward hook for activation statistics, vision classification
# bug: the training loop calls model.forward(images) directly, which bypasses the forward hooks registered for activation monitoring (and any other module hooks).
import collections

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x)).mean((2, 3))
        return self.fc(x)


act_stats = collections.defaultdict(list)


def make_hook(name):
    def hook(module, inputs, output):
        act_stats[name].append((output.detach().mean().item(), output.detach().std().item()))
    return hook


model = Net()
for name, mod in model.named_children():
    if isinstance(mod, nn.Conv2d):
        mod.register_forward_hook(make_hook(name))
model_hook = model.register_forward_hook(lambda m, i, o: act_stats["logits"].append(o.detach().abs().max().item()))

data = TensorDataset(torch.randn(3000, 3, 32, 32), torch.randint(0, 10, (3000,)))
loader = DataLoader(data, batch_size=100, shuffle=True)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

for epoch in range(5):
    model.train()
    act_stats.clear()
    total = 0.0
    for images, targets in loader:
        optimizer.zero_grad()
        logits = model.forward(images)
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch} loss {total / len(loader):.4f}")
    for name, vals in act_stats.items():
        if vals and isinstance(vals[0], tuple):
            m = sum(v[0] for v in vals) / len(vals)
            s = sum(v[1] for v in vals) / len(vals)
            print(f"   {name}: mean {m:.3f} std {s:.3f}")
        elif vals:
            print(f"   {name}: max |logit| {max(vals):.2f}")

model_hook.remove()
