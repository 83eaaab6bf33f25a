# expect: TVL012
# style: accelerate-like hand-written loop with a train_step function, graph-level molecular property classification
# bug: train_step() returns the loss tensor and fit() sums those returns into running_loss across the epoch, holding every step's graph.
import torch
import torch.nn as nn
import torch.nn.functional as F


def random_molecule(max_atoms=30, n_atom_types=12):
    n = int(torch.randint(6, max_atoms, (1,)))
    x = F.one_hot(torch.randint(0, n_atom_types, (n,)), n_atom_types).float()
    adj = (torch.rand(n, n) < 0.15).float()
    adj = ((adj + adj.t()) > 0).float()
    adj.fill_diagonal_(1.0)
    y = torch.randint(0, 2, (1,)).item()
    return x, adj, y


class GINLayer(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(nn.Linear(d_in, d_out), nn.ReLU(), nn.Linear(d_out, d_out))

    def forward(self, x, adj):
        return self.mlp((1 + self.eps) * x + adj @ x)


class GIN(nn.Module):
    def __init__(self, d_in=12, hidden=64, n_layers=3):
        super().__init__()
        dims = [d_in] + [hidden] * n_layers
        self.layers = nn.ModuleList([GINLayer(a, b) for a, b in zip(dims[:-1], dims[1:])])
        self.readout = nn.Linear(hidden, 2)

    def forward(self, x, adj):
        for layer in self.layers:
            x = F.relu(layer(x, adj))
        return self.readout(x.sum(0, keepdim=True))


def train_step(model, optimizer, batch):
    optimizer.zero_grad()
    losses = []
    for x, adj, y in batch:
        logits = model(x, adj)
        losses.append(F.cross_entropy(logits, torch.tensor([y])))
    loss = torch.stack(losses).mean()
    loss.backward()
    optimizer.step()
    return loss


def fit(model, dataset, epochs=10, batch_size=32):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(dataset)).tolist()
        running_loss = 0.0
        n_steps = 0
        for start in range(0, len(order), batch_size):
            batch = [dataset[i] for i in order[start:start + batch_size]]
            running_loss = running_loss + train_step(model, optimizer, batch)
            n_steps += 1
        print(f"epoch {epoch}: mean loss {running_loss / n_steps:.4f}")


if __name__ == "__main__":
    torch.manual_seed(0)
    data = [random_molecule() for _ in range(1000)]
    fit(GIN(), data)
