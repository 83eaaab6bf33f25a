# expect: TVL009
# style: PyTorch Geometric GAT node classification (log_softmax output + nll_loss, Planetoid-like)
# bug: node labels are converted with .float() before F.nll_loss, which requires integer class indices
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class DenseGATLayer(nn.Module):
    def __init__(self, in_dim, out_dim, heads=4, concat=True):
        super().__init__()
        self.heads, self.out_dim, self.concat = heads, out_dim, concat
        self.lin = nn.Linear(in_dim, heads * out_dim, bias=False)
        self.att_src = nn.Parameter(torch.randn(heads, out_dim) * 0.1)
        self.att_dst = nn.Parameter(torch.randn(heads, out_dim) * 0.1)

    def forward(self, x, adj):
        h = self.lin(x).view(-1, self.heads, self.out_dim)
        e = (h * self.att_src).sum(-1).unsqueeze(1) + (h * self.att_dst).sum(-1).unsqueeze(0)
        e = F.leaky_relu(e, 0.2).masked_fill(adj.unsqueeze(-1) == 0, float("-inf"))
        alpha = torch.softmax(e, dim=1)
        out = torch.einsum("ijh,jhd->ihd", alpha, h)
        return out.reshape(x.size(0), -1) if self.concat else out.mean(1)


class GAT(nn.Module):
    def __init__(self, in_dim, hid, n_cls, heads=8):
        super().__init__()
        self.conv1 = DenseGATLayer(in_dim, hid, heads)
        self.conv2 = DenseGATLayer(hid * heads, n_cls, 1, concat=False)

    def forward(self, x, adj):
        x = F.dropout(x, p=0.6, training=self.training)
        x = F.elu(self.conv1(x, adj))
        x = F.dropout(x, p=0.6, training=self.training)
        return F.log_softmax(self.conv2(x, adj), dim=-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=8)
    args = parser.parse_args()
    n, f, c = 500, 100, 6
    x = torch.randn(n, f)
    adj = ((torch.rand(n, n) < 0.01) | torch.eye(n, dtype=torch.bool)).float()
    y = torch.randint(0, c, (n,)).float()
    train_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[:120] = True
    model = GAT(f, args.hidden, c)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005, weight_decay=5e-4)
    for epoch in range(1, args.epochs + 1):
        model.train()
        optimizer.zero_grad()
        out = model(x, adj)
        loss = F.nll_loss(out[train_mask], y[train_mask])
        loss.backward()
        optimizer.step()
        if epoch % 20 == 0:
            print(f"Epoch: {epoch:03d}, Loss: {loss.item():.4f}")


if __name__ == "__main__":
    main()
