# expect: clean
# The same top-level layer list without the final Softmax: nn.Sequential(*blocks) outputs the
# logits CrossEntropyLoss expects.
import torch
import torch.nn as nn

blocks = []
for a, b in [(8, 32), (32, 32)]:
    blocks += [nn.Linear(a, b), nn.ReLU()]
blocks.append(nn.Linear(32, 5))
model = nn.Sequential(*blocks)
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters())
for x, y in loader:
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
