# expect: clean
# The model hands out its parameters per role through its own methods; the generator's and
# the classifier head's lists are disjoint (the encoder goes with the generator only), so each
# parameter has one optimizer.
import torch
import torch.nn as nn


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(20, 40), nn.Tanh())
        self.gen_head = nn.Linear(40, 20)
        self.cls_head = nn.Linear(40, 2)

    def forward(self, x):
        z = self.encoder(x)
        return self.gen_head(z), self.cls_head(z)

    def gen_params(self):
        return [*self.encoder.parameters(), *self.gen_head.parameters()]

    def cls_params(self):
        return [*self.cls_head.parameters()]


class Learner:
    def __init__(self):
        self.model = TwoHeads()
        self.opt_g = torch.optim.Adam(self.model.gen_params(), lr=2e-4)
        self.opt_c = torch.optim.Adam(self.model.cls_params(), lr=1e-3)

    def step(self, x, y):
        recon, logits = self.model(x)
        loss = nn.functional.mse_loss(recon, x) + nn.functional.cross_entropy(logits, y)
        self.opt_g.zero_grad()
        self.opt_c.zero_grad()
        loss.backward()
        self.opt_g.step()
        self.opt_c.step()
