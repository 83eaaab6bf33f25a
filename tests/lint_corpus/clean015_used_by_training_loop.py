# expect: clean
# Twin of tvl015_used_by_training_loop: the loader the backpropagating loop iterates is shuffled;
# the unshuffled one only feeds a shared loop called without an optimizer (evaluation).
from torch.utils.data import DataLoader


def loaders(fit_set, holdout_set, bs):
    return DataLoader(fit_set, batch_size=bs, shuffle=True), DataLoader(holdout_set, batch_size=2 * bs)


def run(net, dl, crit, opt=None):
    net.train(opt is not None)
    for xb, yb in dl:
        loss = crit(net(xb), yb)
        if opt is not None:
            opt.zero_grad()
            loss.backward()
            opt.step()


fit_dl, holdout_dl = loaders(fit_set, holdout_set, 64)
for _ in range(10):
    run(net, fit_dl, crit, opt)
    run(net, holdout_dl, crit)
