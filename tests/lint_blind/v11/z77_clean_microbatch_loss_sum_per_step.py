# expect: clean
# style: contrastive recommender with in-step micro-batch loss summation before a single backward
# note: loss tensors are summed with `total = total + loss` in a loop, but the sum is rebuilt from zero every optimizer step and backpropagated right away; cross-step logging uses .item()
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TwoTower(nn.Module):
    def __init__(self, n_users=3000, n_items=6000, d=64):
        super().__init__()
        self.u = nn.Sequential(nn.Embedding(n_users, d), nn.Linear(d, d))
        self.i = nn.Sequential(nn.Embedding(n_items, d), nn.Linear(d, d))
        self.log_temp = nn.Parameter(torch.tensor(0.0))

    def forward(self, users, items):
        return F.normalize(self.u(users), dim=-1), F.normalize(self.i(items), dim=-1)


def in_batch_softmax_loss(u, v, log_temp):
    logits = u @ v.T / log_temp.exp().clamp(min=0.01)
    return F.cross_entropy(logits, torch.arange(u.size(0)))


def train(model, loader, opt, n_micro=4, epochs=3):
    history = []
    for ep in range(epochs):
        model.train()
        epoch_loss = 0.0
        for users, items in loader:
            opt.zero_grad()
            total = 0.0
            for mu, mi in zip(users.chunk(n_micro), items.chunk(n_micro)):
                u, v = model(mu, mi)
                total = total + in_batch_softmax_loss(u, v, model.log_temp) / n_micro
            total.backward()
            opt.step()
            epoch_loss += total.item()
        history.append(epoch_loss / len(loader))
        print(f"epoch {ep} loss {history[-1]:.4f} temp {model.log_temp.exp().item():.3f}")
    return history


@torch.no_grad()
def recall_at_k(model, users, items, k=20, n_eval=500):
    model.eval()
    u, _ = model(users[:n_eval], items[:n_eval])
    all_items = F.normalize(model.i(torch.arange(6000)), dim=-1)
    topk = (u @ all_items.T).topk(k, dim=1).indices
    hit = (topk == items[:n_eval, None]).any(1).float().mean().item()
    model.train()
    return hit


if __name__ == "__main__":
    users = torch.randint(0, 3000, (40000,))
    items = (users * 7 + torch.randint(0, 3, (40000,))) % 6000
    loader = DataLoader(TensorDataset(users, items), batch_size=512, shuffle=True, drop_last=True)
    model = TwoTower()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    train(model, loader, opt)
    print(f"recall@20 {recall_at_k(model, users, items):.4f}")
    torch.save(model.state_dict(), "two_tower.pt")
