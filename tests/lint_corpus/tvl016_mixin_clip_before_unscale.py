# expect: TVL016
# A trainer assembled from mixins: one mixin owns the scaled backward and the step (which
# unscales), another clips right after backward. The step method calls them in that order,
# so the clip sees gradients still multiplied by the loss scale.
import torch


class ScaledBackward:
    def backward_pass(self, loss):
        self.gs.scale(loss).backward()

    def apply_step(self):
        self.gs.unscale_(self.opt)
        self.gs.step(self.opt)
        self.gs.update()


class NormClip:
    def post_backward(self):
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), 0.5)


class Runner(ScaledBackward, NormClip):
    def __init__(self, net):
        self.net = net
        self.opt = torch.optim.SGD(net.parameters(), lr=0.01)
        self.gs = torch.cuda.amp.GradScaler()

    def one_batch(self, xb, yb):
        self.opt.zero_grad()
        with torch.autocast("cuda"):
            loss = torch.nn.functional.cross_entropy(self.net(xb), yb)
        self.backward_pass(loss)
        self.post_backward()
        self.apply_step()

    def run(self, data):
        return [self.one_batch(xb, yb) for xb, yb in data]
