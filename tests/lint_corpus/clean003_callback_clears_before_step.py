# expect: clean
# A fastai-flavoured learner: one_batch() backpropagates, then every callback's after_backward
# runs; the stepping callback steps, then clears the gradients for the next batch.
import torch
import torch.nn.functional as F


class Callback:
    def after_backward(self, learn):
        pass


class StepCallback(Callback):
    def after_backward(self, learn):
        learn.opt.step()
        learn.opt.zero_grad()


class Learner:
    def __init__(self, model, data, callbacks):
        self.model, self.data, self.cbs = model, data, callbacks
        self.opt = torch.optim.Adam(model.parameters(), lr=3e-4)

    def one_batch(self, xb, yb):
        self.loss = F.mse_loss(self.model(xb), yb)
        self.loss.backward()

    def fit(self, n_epoch):
        for _ in range(n_epoch):
            for xb, yb in self.data:
                self.one_batch(xb, yb)
                for cb in self.cbs:
                    cb.after_backward(self)
