# expect: TVL007
# The fit function loops over mini-batches and steps the StepLR (counted in epochs) inside that
# loop; the script calls it once per epoch, so the schedule advances every batch.
import torch
import torch.nn as nn


def fit(model, X, y, opt, sched):
    for xb, yb in zip(X.split(10), y.split(10)):
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()


for epoch in range(200):
    model = nn.Linear(3, 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)
    fit(model, torch.randn(100, 3), torch.randn(100, 1), opt, sched)
