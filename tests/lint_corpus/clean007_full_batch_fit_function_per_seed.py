# expect: clean
# A fit function whose only loop runs over epochs (full-batch) steps its schedule once an epoch;
# the script calls it once per seed, a loop around it that is not over batches.
import torch
import torch.nn as nn


def fit(model, X, y, opt, sched):
    for epoch in range(200):
        loss = nn.functional.mse_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()


for seed in range(5):
    model = nn.Linear(3, 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)
    fit(model, torch.randn(100, 3), torch.randn(100, 1), opt, sched)
