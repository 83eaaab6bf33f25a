# expect: TVL012
# style: Lightning-like LitModule with training_step returning the loss tensor and a hand-written fit loop that aggregates the returned outputs, link prediction on a graph
# bug: fit() does `epoch_loss = epoch_loss + out["loss"]` with the tensor returned by training_step, keeping all of the epoch's graphs alive (the .item() happens only at logging time).
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("linkpred")


class GraphSAGEMean(nn.Module):
    def __init__(self, n_nodes, d=64):
        super().__init__()
        self.emb = nn.Embedding(n_nodes, d)
        self.self_lin = nn.Linear(d, d)
        self.neigh_lin = nn.Linear(d, d)

    def forward(self, adj_norm):
        h = self.emb.weight
        h = F.relu(self.self_lin(h) + self.neigh_lin(adj_norm @ h))
        return F.normalize(h, dim=-1)


class LitLinkPred:
    def __init__(self, n_nodes, adj_norm, lr=1e-2):
        self.model = GraphSAGEMean(n_nodes)
        self.adj = adj_norm
        self.n_nodes = n_nodes
        self.lr = lr

    def configure_optimizers(self):
        return torch.optim.Adam(self.model.parameters(), lr=self.lr)

    def training_step(self, batch, batch_idx):
        src, dst = batch
        h = self.model(self.adj)
        neg = torch.randint(0, self.n_nodes, dst.shape)
        pos_score = (h[src] * h[dst]).sum(-1) * 5
        neg_score = (h[src] * h[neg]).sum(-1) * 5
        loss = F.binary_cross_entropy_with_logits(pos_score, torch.ones_like(pos_score)) + \
            F.binary_cross_entropy_with_logits(neg_score, torch.zeros_like(neg_score))
        return {"loss": loss, "n": src.numel()}


class MiniFit:
    def __init__(self, max_epochs=30, log_every=10):
        self.max_epochs, self.log_every = max_epochs, log_every

    def fit(self, lit, loader):
        opt = lit.configure_optimizers()
        lit.model.train()
        for epoch in range(self.max_epochs):
            epoch_loss, seen = 0.0, 0
            for i, batch in enumerate(loader):
                out = lit.training_step(batch, i)
                opt.zero_grad()
                out["loss"].backward()
                opt.step()
                epoch_loss = epoch_loss + out["loss"] * out["n"]
                seen += out["n"]
            if epoch % self.log_every == 0:
                log.info("epoch %d loss %.4f", epoch, (epoch_loss / seen).item())


def random_graph(n=2000, m=20000):
    src = torch.randint(0, n, (m,))
    dst = (src + torch.randint(1, 50, (m,))) % n
    a = torch.zeros(n, n)
    a[src, dst] = 1
    a[dst, src] = 1
    deg = a.sum(1, keepdim=True).clamp(min=1)
    return src, dst, a / deg


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    src, dst, adj = random_graph()
    loader = DataLoader(TensorDataset(src, dst), batch_size=1024, shuffle=True)
    MiniFit().fit(LitLinkPred(2000, adj), loader)
