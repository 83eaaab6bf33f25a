# expect: clean
# style: two-tower retrieval (YouTube-DNN / sampled-softmax style) with in-batch negatives and a recall@k evaluation on an unshuffled loader
# note: the similarity matrix keeps gradients to both towers, labels are torch.arange (int64), and .detach()/.item() appear only in metrics
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Tower(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.emb = nn.EmbeddingBag(n, d, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))

    def forward(self, ids):
        return F.normalize(self.mlp(self.emb(ids)), dim=-1)


class Retriever(nn.Module):
    def __init__(self, n_users, n_items, d=64, temperature=0.05):
        super().__init__()
        self.query, self.candidate = Tower(n_users, d), Tower(n_items, d)
        self.temperature = temperature

    def forward(self, user_hist, item):
        return self.query(user_hist) @ self.candidate(item).T / self.temperature


@torch.no_grad()
def recall_at_k(model, loader, k=10):
    model.eval()
    hits, n = 0, 0
    for hist, item in loader:
        scores = model(hist, item)
        topk = scores.topk(k, dim=1).indices
        hits += (topk == torch.arange(len(item)).unsqueeze(1)).any(1).sum().item()
        n += len(item)
    return hits / n


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()
    hist, items = torch.randint(0, 2000, (30000, 20)), torch.randint(0, 8000, (30000, 1))
    train_loader = DataLoader(TensorDataset(hist[:27000], items[:27000]), batch_size=args.batch, shuffle=True, drop_last=True)
    eval_loader = DataLoader(TensorDataset(hist[27000:], items[27000:]), batch_size=args.batch)
    model = Retriever(2000, 8000)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.05)
    for epoch in range(args.epochs):
        model.train()
        for h, it in train_loader:
            logits = model(h, it)
            loss = F.cross_entropy(logits, torch.arange(logits.size(0)))
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch}: loss {loss.item():.4f} recall@10 {recall_at_k(model, eval_loader):.4f}")
