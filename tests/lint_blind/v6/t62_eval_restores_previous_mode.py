# expect: clean
# style: course project with a utils-style evaluate() helper called mid-epoch, GraphSAGE-like node classification on mini-batches of nodes
# note: evaluate() is called in the middle of the epoch and switches to eval(), but it records model.training and restores it with model.train(was_training) before returning.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N, F_IN, C = 3000, 64, 6
labels = torch.randint(0, C, (N,))
x = torch.randn(N, F_IN) + F.one_hot(labels, C).float().repeat(1, F_IN // C + 1)[:, :F_IN]
neighbors = [torch.randint(0, N, (10,)) for _ in range(N)]
perm = torch.randperm(N)
train_nodes, val_nodes = perm[:2000], perm[2000:]


class SAGELayer(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.self_lin = nn.Linear(d_in, d_out)
        self.neigh_lin = nn.Linear(d_in, d_out)

    def forward(self, h_self, h_neigh_mean):
        return self.self_lin(h_self) + self.neigh_lin(h_neigh_mean)


class SAGE(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = SAGELayer(F_IN, 128)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(128, C)

    def forward(self, nodes):
        neigh_mean = torch.stack([x[neighbors[n]].mean(0) for n in nodes.tolist()])
        h = F.relu(self.l1(x[nodes], neigh_mean))
        return self.out(self.drop(h))


def evaluate(model, nodes, bs=500):
    was_training = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(nodes), bs):
            batch = nodes[i:i + bs]
            correct += (model(batch).argmax(1) == labels[batch]).sum().item()
    model.train(was_training)
    return correct / len(nodes)


model = SAGE()
opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=5e-4)
batch_size, eval_every = 128, 8

model.train()
for epoch in range(10):
    order = train_nodes[torch.randperm(len(train_nodes))]
    for step, i in enumerate(range(0, len(order), batch_size)):
        batch = order[i:i + batch_size]
        opt.zero_grad()
        loss = F.cross_entropy(model(batch), labels[batch])
        loss.backward()
        opt.step()
        if step % eval_every == 0:
            acc = evaluate(model, val_nodes)
            print(f"epoch {epoch} step {step} loss {loss.item():.4f} val_acc {acc:.3f}")
