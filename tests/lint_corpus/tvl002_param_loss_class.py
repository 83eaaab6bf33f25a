# expect: TVL002
# A Kaggle correlation loss computed in numpy; the loss object reaches the training helper as
# an argument, so the cut is inside the class the helper is given.
import numpy as np
import torch
import torch.nn as nn


class PearsonLoss(nn.Module):
    def forward(self, yhat, y):
        a, b = yhat.detach().cpu().numpy().ravel(), y.cpu().numpy().ravel()
        return torch.from_numpy(np.array(1.0 - np.corrcoef(a, b)[0, 1])).requires_grad_()


def train_loop(net, dl, loss_fn, opt):
    for xb, yb in dl:
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()


train_loop(net, dl, PearsonLoss(), torch.optim.AdamW(net.parameters()))
