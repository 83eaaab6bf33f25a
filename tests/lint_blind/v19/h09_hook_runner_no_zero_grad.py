# expect: TVL003
# style: mmcv-like hook-based runner for a graph node classifier (GCN on a synthetic graph)
# bug: OptimizerHook.after_train_iter does backward() and step(), and no hook in the registered list ever calls zero_grad(), so gradients accumulate across iterations
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger("runner")


class Hook:
    priority = 50

    def before_run(self, runner): pass
    def before_train_epoch(self, runner): pass
    def before_train_iter(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass
    def after_run(self, runner): pass


class OptimizerHook(Hook):
    priority = 10

    def __init__(self, grad_clip=None):
        self.grad_clip = grad_clip

    def after_train_iter(self, runner):
        runner.outputs["loss"].backward()
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(runner.model.parameters(), **self.grad_clip)
        runner.optimizer.step()


class LoggerHook(Hook):
    priority = 90

    def __init__(self, interval=10):
        self.interval = interval

    def after_train_iter(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("epoch %d iter %d loss %.4f acc %.3f", runner.epoch, runner.iter,
                        runner.outputs["loss"].item(), runner.outputs["acc"])


class EvalHook(Hook):
    priority = 80

    def __init__(self, interval=1):
        self.interval = interval

    def after_train_epoch(self, runner):
        if (runner.epoch + 1) % self.interval:
            return
        runner.model.eval()
        with torch.no_grad():
            logits = runner.model(runner.graph["x"], runner.graph["adj"])
            mask = runner.graph["val_mask"]
            acc = (logits[mask].argmax(-1) == runner.graph["y"][mask]).float().mean().item()
        runner.model.train()
        logger.info("epoch %d val acc %.4f", runner.epoch, acc)


class GCNLayer(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.lin = nn.Linear(i, o)

    def forward(self, x, adj):
        return adj @ self.lin(x)


class GCN(nn.Module):
    def __init__(self, d_in, d_hid, n_cls, dropout=0.5):
        super().__init__()
        self.l1 = GCNLayer(d_in, d_hid)
        self.l2 = GCNLayer(d_hid, n_cls)
        self.dropout = dropout

    def forward(self, x, adj):
        h = F.relu(self.l1(x, adj))
        h = F.dropout(h, self.dropout, self.training)
        return self.l2(h, adj)


class Runner:
    def __init__(self, model, optimizer, graph, max_epochs):
        self.model, self.optimizer, self.graph = model, optimizer, graph
        self.max_epochs = max_epochs
        self.hooks = []
        self.epoch = 0
        self.iter = 0
        self.outputs = {}

    def register_hook(self, hook):
        self.hooks.append(hook)
        self.hooks.sort(key=lambda h: h.priority)

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train_step(self):
        g = self.graph
        logits = self.model(g["x"], g["adj"])
        m = g["train_mask"]
        loss = F.cross_entropy(logits[m], g["y"][m])
        acc = (logits[m].argmax(-1) == g["y"][m]).float().mean().item()
        return {"loss": loss, "acc": acc}

    def run(self):
        self.call_hook("before_run")
        self.model.train()
        t0 = time.time()
        for self.epoch in range(self.max_epochs):
            self.call_hook("before_train_epoch")
            self.call_hook("before_train_iter")
            self.outputs = self.train_step()
            self.call_hook("after_train_iter")
            self.iter += 1
            self.call_hook("after_train_epoch")
        self.call_hook("after_run")
        logger.info("finished in %.1fs", time.time() - t0)


def synthetic_graph(n=2000, d=64, c=6, p=0.005):
    y = torch.randint(0, c, (n,))
    x = torch.randn(n, d) + F.one_hot(y, c).float().repeat(1, d // c + 1)[:, :d]
    a = (torch.rand(n, n) < p).float()
    a = ((a + a.t()) > 0).float() + torch.eye(n)
    deg = a.sum(1)
    dinv = deg.pow(-0.5)
    adj = dinv[:, None] * a * dinv[None, :]
    perm = torch.randperm(n)
    train_mask = torch.zeros(n, dtype=torch.bool)
    val_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[perm[: n // 5]] = True
    val_mask[perm[n // 5: n // 2]] = True
    return {"x": x, "adj": adj, "y": y, "train_mask": train_mask, "val_mask": val_mask}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    graph = synthetic_graph()
    model = GCN(64, 128, 6)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    runner = Runner(model, optimizer, graph, max_epochs=200)
    for hook in [OptimizerHook(grad_clip=dict(max_norm=2.0)), EvalHook(interval=10), LoggerHook(interval=20)]:
        runner.register_hook(hook)
    runner.run()
    torch.save(model.state_dict(), "gcn.pt")
