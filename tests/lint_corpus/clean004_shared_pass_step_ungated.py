# expect: clean
# Twin of tvl004_shared_pass_step_ungated: the step sits under `if learn:` with backward().
import torch
import torch.nn as nn


def one_pass(net, batches, opt, learn):
    net.train(learn)
    total = 0.0
    for x, y in batches:
        loss = nn.functional.mse_loss(net(x), y)
        if learn:
            opt.zero_grad()
            loss.backward()
            opt.step()
        total += loss.item()
    return total


net = nn.Sequential(nn.Linear(6, 16), nn.Dropout(0.1), nn.Linear(16, 1))
opt = torch.optim.Adam(net.parameters())
train = [(torch.randn(32, 6), torch.randn(32, 1)) for _ in range(20)]
held = [(torch.randn(32, 6), torch.randn(32, 1)) for _ in range(5)]
for epoch in range(10):
    one_pass(net, train, opt, True)
    with torch.no_grad():
        print(one_pass(net, held, opt, learn=False))
