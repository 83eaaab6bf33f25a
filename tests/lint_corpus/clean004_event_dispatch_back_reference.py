# expect: clean
import torch
import torch.nn.functional as F
class Callback:
    def after_epoch(self): pass
    def after_batch(self): pass
class Evaluate(Callback):
    def after_epoch(self):
        self.learn.model.eval()
        with torch.no_grad():
            print(sum(F.mse_loss(self.learn.model(x), y).item() for x, y in self.learn.valid))
        self.learn.model.train()
class Learner:
    def __init__(self, model, opt, train, valid, cbs):
        self.model, self.opt, self.train_dl, self.valid, self.cbs = model, opt, train, valid, cbs
        for cb in cbs:
            cb.learn = self
    def __call__(self, event):
        for cb in self.cbs:
            getattr(cb, event)()
    def fit(self, n):
        self.model.train()
        for epoch in range(n):
            for x, y in self.train_dl:
                loss = F.mse_loss(self.model(x), y)
                self.opt.zero_grad(); loss.backward(); self.opt.step()
                self("after_batch")
            self("after_epoch")
m = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Dropout(0.1), torch.nn.Linear(8, 1))
Learner(m, torch.optim.SGD(m.parameters(), lr=0.1), tr, va, [Evaluate()]).fit(5)
