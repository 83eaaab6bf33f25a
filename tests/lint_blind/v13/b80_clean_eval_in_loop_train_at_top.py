# expect: clean
# style: notebook-style inline loop for a graph-level classifier (message passing written by hand) with per-epoch validation
# note: model.eval() is called in the epoch loop for validation with no train() right after it, but model.train() is the first statement of every epoch's training phase
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(3)


class RandomMolecules(Dataset):
    def __init__(self, n, max_nodes=24, n_feat=16):
        self.graphs = []
        for _ in range(n):
            k = int(torch.randint(6, max_nodes, (1,)))
            x = torch.randn(k, n_feat)
            adj = (torch.rand(k, k) < 0.2).float()
            adj = ((adj + adj.t()) > 0).float()
            y = int(adj.sum() / k > 2.0)
            self.graphs.append((x, adj, y))

    def __len__(self):
        return len(self.graphs)

    def __getitem__(self, i):
        return self.graphs[i]


def collate(batch):
    n = max(x.size(0) for x, _, _ in batch)
    X = torch.zeros(len(batch), n, batch[0][0].size(1))
    A = torch.zeros(len(batch), n, n)
    M = torch.zeros(len(batch), n)
    for i, (x, a, _) in enumerate(batch):
        k = x.size(0)
        X[i, :k], A[i, :k, :k], M[i, :k] = x, a, 1
    return X, A, M, torch.tensor([y for _, _, y in batch])


class MPNN(nn.Module):
    def __init__(self, d_in=16, d=64, steps=3):
        super().__init__()
        self.inp = nn.Linear(d_in, d)
        self.msg = nn.ModuleList([nn.Linear(d, d) for _ in range(steps)])
        self.upd = nn.ModuleList([nn.GRUCell(d, d) for _ in range(steps)])
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(d, 2)

    def forward(self, X, A, M):
        h = F.relu(self.inp(X))
        B, N, D = h.shape
        for msg, upd in zip(self.msg, self.upd):
            m = torch.bmm(A, msg(h))
            h = upd(m.reshape(-1, D), h.reshape(-1, D)).view(B, N, D) * M[..., None]
        g = (h.sum(1) / M.sum(1, keepdim=True))
        return self.out(self.drop(g))


train_dl = DataLoader(RandomMolecules(3000), batch_size=64, shuffle=True, collate_fn=collate)
val_dl = DataLoader(RandomMolecules(500), batch_size=128, collate_fn=collate)
model = MPNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)

best_val = 0.0
for epoch in range(30):
    model.train()
    tl = 0.0
    for X, A, M, y in train_dl:
        opt.zero_grad()
        loss = F.cross_entropy(model(X, A, M), y)
        loss.backward()
        opt.step()
        tl += loss.item() * y.size(0)

    model.eval()
    correct = 0
    with torch.no_grad():
        for X, A, M, y in val_dl:
            correct += (model(X, A, M).argmax(1) == y).sum().item()
    val_acc = correct / len(val_dl.dataset)
    if val_acc > best_val:
        best_val = val_acc
        torch.save(model.state_dict(), "mpnn_best.pt")
    print(f"epoch {epoch:02d} train loss {tl / len(train_dl.dataset):.4f} val acc {val_acc:.4f} best {best_val:.4f}")
