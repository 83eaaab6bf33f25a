# expect: clean
# A wrapper stores a plain object with a `forward` method (a scoring rule, not a module): calling
# `.forward` on it skips no hooks.
import torch


class Margin:
    def forward(self, scores):
        return (1 - scores).clamp(min=0)


class Ranker:
    def __init__(self, rule):
        self.rule = rule

    def loss(self, scores):
        return self.rule.forward(scores).mean()


w = torch.randn(8, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
ranker = Ranker(Margin())
for _ in range(10):
    loss = ranker.loss(torch.randn(4, 8) @ w)
    opt.zero_grad()
    loss.backward()
    opt.step()
