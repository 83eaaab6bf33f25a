# expect: TVL008
# A notebook-style script grows its layer list at the top level and appends a Softmax before
# nn.Sequential(*blocks); CrossEntropyLoss then receives probabilities, not logits.
import torch
import torch.nn as nn

blocks = []
for a, b in [(8, 32), (32, 32)]:
    blocks += [nn.Linear(a, b), nn.ReLU()]
blocks.append(nn.Linear(32, 5))
blocks.append(nn.Softmax(dim=-1))
model = nn.Sequential(*blocks)
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters())
for x, y in loader:
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
