# expect: TVL013
# A fastai-flavoured Learner keeps the network as self.net and calls its forward directly.
class Learner:
    def __init__(self, net, opt, loss_func):
        self.net, self.opt, self.loss_func = net, opt, loss_func

    def one_batch(self, xb, yb):
        self.loss = self.loss_func(self.net.forward(xb), yb)
        self.loss.backward()
        self.opt.step()
        self.opt.zero_grad()
