# expect: TVL004
# style: Lightning-like hand-written loop with callbacks, graph node classification (GCN on dense adjacency)
# bug: the Loop's validation phase calls module.eval() through on_validation_start, but nothing ever puts the module back in train mode (on_train_epoch_start only resets metrics), so dropout is off after the first validation.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("loop")


class GCNLayer(nn.Module):
    def __init__(self, din, dout):
        super().__init__()
        self.lin = nn.Linear(din, dout)

    def forward(self, x, adj_norm):
        return adj_norm @ self.lin(x)


class GCN(nn.Module):
    def __init__(self, din, dh, n_classes, p=0.5):
        super().__init__()
        self.l1 = GCNLayer(din, dh)
        self.l2 = GCNLayer(dh, n_classes)
        self.p = p

    def forward(self, x, adj):
        h = F.dropout(F.relu(self.l1(x, adj)), self.p, self.training)
        return self.l2(h, adj)


class NodeTask:
    def __init__(self, model, data, lr=0.01, wd=5e-4):
        self.model, self.data = model, data
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
        self.metrics = {}

    def on_train_epoch_start(self):
        self.metrics = {"train_loss": 0.0}

    def on_validation_start(self):
        self.model.eval()

    def training_step(self):
        d = self.data
        out = self.model(d["x"], d["adj"])
        loss = F.cross_entropy(out[d["train_mask"]], d["y"][d["train_mask"]])
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.metrics["train_loss"] = loss.item()

    @torch.no_grad()
    def validation_step(self):
        d = self.data
        pred = self.model(d["x"], d["adj"]).argmax(-1)
        m = d["val_mask"]
        self.metrics["val_acc"] = (pred[m] == d["y"][m]).float().mean().item()


class Loop:
    def __init__(self, max_epochs=200, val_every=10):
        self.max_epochs, self.val_every = max_epochs, val_every

    def fit(self, task):
        task.model.train()
        for epoch in range(self.max_epochs):
            task.on_train_epoch_start()
            task.training_step()
            if (epoch + 1) % self.val_every == 0:
                task.on_validation_start()
                task.validation_step()
                log.info("epoch %d %s", epoch + 1, task.metrics)


def make_graph(n=1000, d=64, c=5):
    y = torch.randint(0, c, (n,))
    x = torch.randn(n, d) + F.one_hot(y, c).float().repeat(1, d // c + 1)[:, :d]
    a = (torch.rand(n, n) < 0.01).float()
    a = ((a + a.t()) > 0).float() + torch.eye(n)
    deg = a.sum(1)
    adj = a / torch.sqrt(deg[:, None] * deg[None, :])
    idx = torch.randperm(n)
    train_mask = torch.zeros(n, dtype=torch.bool)
    val_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[idx[:140]] = True
    val_mask[idx[140:640]] = True
    return {"x": x, "adj": adj, "y": y, "train_mask": train_mask, "val_mask": val_mask}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    data = make_graph()
    task = NodeTask(GCN(64, 16, 5), data)
    Loop().fit(task)
