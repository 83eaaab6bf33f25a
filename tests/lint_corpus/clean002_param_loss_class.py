# expect: clean
# The same loss written with tensor operations: the graph reaches the network.
import torch
import torch.nn as nn


class PearsonLoss(nn.Module):
    def forward(self, yhat, y):
        a, b = yhat.flatten() - yhat.mean(), y.flatten() - y.mean()
        return 1.0 - (a * b).sum() / (a.norm() * b.norm() + 1e-8)


def train_loop(net, dl, loss_fn, opt):
    for xb, yb in dl:
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()
        print(float(loss.detach().cpu().numpy()))


train_loop(net, dl, PearsonLoss(), torch.optim.AdamW(net.parameters()))
