# expect: clean
# style: hand-written Lightning-like Trainer with on_validation_start/end hooks, graph node classification
# note: the runner switches to eval for validation inside a hook pair and the matching on_validation_end hook calls model.train(); optimizer.step() appears only in the training branch
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("gat")


class GATLayer(nn.Module):
    def __init__(self, i, o, heads=4):
        super().__init__()
        self.W = nn.Linear(i, o * heads, bias=False)
        self.a_src = nn.Parameter(torch.randn(heads, o) * 0.1)
        self.a_dst = nn.Parameter(torch.randn(heads, o) * 0.1)
        self.heads, self.o = heads, o

    def forward(self, x, adj):
        h = self.W(x).view(-1, self.heads, self.o)
        e = (h * self.a_src).sum(-1)[:, None, :] + (h * self.a_dst).sum(-1)[None, :, :]
        e = F.leaky_relu(e, 0.2).masked_fill(~adj[:, :, None], float("-inf"))
        att = torch.softmax(e, dim=1)
        return torch.einsum("ijh,jhd->ihd", att, h).reshape(-1, self.heads * self.o)


class GAT(nn.Module):
    def __init__(self, i, h, o):
        super().__init__()
        self.l1 = GATLayer(i, h)
        self.l2 = GATLayer(4 * h, o, heads=1)
        self.drop = nn.Dropout(0.6)

    def forward(self, x, adj):
        return self.l2(self.drop(F.elu(self.l1(self.drop(x), adj))), adj)


class Trainer:
    def __init__(self, model, max_epochs=200, lr=5e-3):
        self.model, self.max_epochs = model, max_epochs
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=5e-4)

    def on_validation_start(self):
        self.model.eval()

    def on_validation_end(self):
        self.model.train()

    def training_step(self, g):
        out = self.model(g["x"], g["adj"])
        return F.cross_entropy(out[g["train"]], g["y"][g["train"]])

    @torch.no_grad()
    def validation_step(self, g):
        out = self.model(g["x"], g["adj"])
        return (out[g["val"]].argmax(1) == g["y"][g["val"]]).float().mean().item()

    def fit(self, g):
        self.model.train()
        best = 0.0
        for epoch in range(self.max_epochs):
            loss = self.training_step(g)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            if epoch % 5 == 0:
                self.on_validation_start()
                acc = self.validation_step(g)
                self.on_validation_end()
                best = max(best, acc)
                log.info("epoch %d loss %.4f val acc %.4f best %.4f", epoch, loss.item(), acc, best)
        return best


def make_graph(n=1500, f=64, c=6):
    x = torch.randn(n, f)
    y = torch.randint(0, c, (n,))
    adj = (torch.rand(n, n) < 0.004) | (y[:, None] == y[None, :]) & (torch.rand(n, n) < 0.01)
    adj = adj | adj.t() | torch.eye(n, dtype=torch.bool)
    perm = torch.randperm(n)
    train = torch.zeros(n, dtype=torch.bool); train[perm[:300]] = True
    val = torch.zeros(n, dtype=torch.bool); val[perm[300:800]] = True
    return {"x": x, "y": y, "adj": adj, "train": train, "val": val}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    g = make_graph()
    Trainer(GAT(64, 8, 6)).fit(g)
