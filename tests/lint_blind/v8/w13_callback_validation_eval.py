# expect: TVL004
# style: Keras-like fit() with callbacks, graph node classification (GCN on dense adjacency)
# bug: ValidationCallback.on_epoch_end switches the model to eval() and fit() only calls model.train() once before the epoch loop, so from the second epoch dropout is disabled during training
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def synthetic_graph(n=2000, feats=64, classes=7, p=0.005, seed=0):
    g = torch.Generator().manual_seed(seed)
    adj = (torch.rand(n, n, generator=g) < p).float()
    adj = ((adj + adj.t()) > 0).float()
    adj.fill_diagonal_(1.0)
    deg = adj.sum(1)
    d_inv_sqrt = deg.pow(-0.5)
    a_hat = d_inv_sqrt[:, None] * adj * d_inv_sqrt[None, :]
    x = torch.randn(n, feats, generator=g)
    y = torch.randint(0, classes, (n,), generator=g)
    perm = torch.randperm(n, generator=g)
    masks = {
        "train": torch.zeros(n, dtype=torch.bool),
        "val": torch.zeros(n, dtype=torch.bool),
    }
    masks["train"][perm[:140]] = True
    masks["val"][perm[140:640]] = True
    return a_hat, x, y, masks


class GCNLayer(nn.Module):
    def __init__(self, din, dout):
        super().__init__()
        self.lin = nn.Linear(din, dout)

    def forward(self, a_hat, x):
        return a_hat @ self.lin(x)


class GCN(nn.Module):
    def __init__(self, din, hidden, classes, dropout=0.5):
        super().__init__()
        self.l1 = GCNLayer(din, hidden)
        self.l2 = GCNLayer(hidden, classes)
        self.dropout = dropout

    def forward(self, a_hat, x):
        x = F.dropout(x, self.dropout, self.training)
        x = F.relu(self.l1(a_hat, x))
        x = F.dropout(x, self.dropout, self.training)
        return self.l2(a_hat, x)


class Callback:
    def on_epoch_end(self, trainer, epoch, logs): pass


class ValidationCallback(Callback):
    def on_epoch_end(self, trainer, epoch, logs):
        trainer.model.eval()
        with torch.no_grad():
            out = trainer.model(trainer.a_hat, trainer.x)
            m = trainer.masks["val"]
            logs["val_loss"] = F.cross_entropy(out[m], trainer.y[m]).item()
            logs["val_acc"] = (out[m].argmax(1) == trainer.y[m]).float().mean().item()


class EarlyStopping(Callback):
    def __init__(self, patience=20):
        self.patience, self.best, self.wait = patience, float("inf"), 0

    def on_epoch_end(self, trainer, epoch, logs):
        if logs.get("val_loss", float("inf")) < self.best:
            self.best, self.wait = logs["val_loss"], 0
            trainer.best_state = {k: v.clone() for k, v in trainer.model.state_dict().items()}
        else:
            self.wait += 1
            trainer.stop = self.wait >= self.patience


class PrintLogger(Callback):
    def on_epoch_end(self, trainer, epoch, logs):
        if epoch % 10 == 0:
            print(f"epoch {epoch:3d} " + " ".join(f"{k}={v:.4f}" for k, v in logs.items()))


class GraphTrainer:
    def __init__(self, model, a_hat, x, y, masks, lr=0.01, wd=5e-4, callbacks=()):
        self.model, self.a_hat, self.x, self.y, self.masks = model, a_hat, x, y, masks
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
        self.callbacks = list(callbacks)
        self.stop = False
        self.best_state = None

    def fit(self, epochs=200):
        self.model.train()
        for epoch in range(epochs):
            t0 = time.time()
            self.opt.zero_grad()
            out = self.model(self.a_hat, self.x)
            m = self.masks["train"]
            loss = F.cross_entropy(out[m], self.y[m])
            loss.backward()
            self.opt.step()
            logs = {"loss": loss.item(), "time": time.time() - t0}
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, logs)
            if self.stop:
                break
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)


if __name__ == "__main__":
    a_hat, x, y, masks = synthetic_graph()
    model = GCN(64, 16, 7)
    trainer = GraphTrainer(model, a_hat, x, y, masks,
                           callbacks=[ValidationCallback(), EarlyStopping(), PrintLogger()])
    trainer.fit(300)
    torch.save(model.state_dict(), "gcn_best.pt")
