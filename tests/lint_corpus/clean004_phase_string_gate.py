# expect: clean
# One loop function serves both phases, chosen by a string; backward() and the Adam step run
# only when the phase is "fit", so the "holdout" pass only measures.
import torch
import torch.nn as nn


def loop(net, pairs, adam, phase):
    net.train(phase == "fit")
    seen = 0.0
    for a, b in pairs:
        err = nn.functional.smooth_l1_loss(net(a), b)
        if phase == "fit":
            adam.zero_grad()
            err.backward()
            adam.step()
        seen += err.item()
    return seen / len(pairs)


net = nn.Sequential(nn.Linear(7, 21), nn.SiLU(), nn.Linear(21, 1))
adam = torch.optim.Adam(net.parameters(), lr=3e-4)
fit_pairs = [(torch.randn(10, 7), torch.randn(10, 1)) for _ in range(15)]
holdout_pairs = [(torch.randn(10, 7), torch.randn(10, 1)) for _ in range(4)]
for cycle in range(8):
    loop(net, fit_pairs, adam, "fit")
    print(cycle, loop(net, holdout_pairs, adam, "holdout"))
