# expect: clean
# style: accelerate-like loop with a train_step function, contrastive sentence embeddings with sub-batch accumulation
# note: a loss tensor is summed across a loop (`step_loss = step_loss + ...`), but only over the micro-batches of a single optimizer step and it is backpropagated right after; the epoch total uses step_loss.item().
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class BowEncoder(nn.Module):
    def __init__(self, vocab=30000, dim=384):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean", padding_idx=0)
        self.proj = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, dim))

    def forward(self, ids):
        return F.normalize(self.proj(self.emb(ids)), dim=-1)


def multiple_negatives_loss(a, b, scale=20.0):
    scores = scale * a @ b.t()
    return F.cross_entropy(scores, torch.arange(a.size(0)))


def train_step(model, optimizer, anchors, positives, n_micro):
    optimizer.zero_grad()
    step_loss = 0.0
    for a_ids, p_ids in zip(anchors.chunk(n_micro), positives.chunk(n_micro)):
        step_loss = step_loss + multiple_negatives_loss(model(a_ids), model(p_ids)) / n_micro
    step_loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return step_loss.item()


def evaluate(model, anchors, positives):
    model.eval()
    with torch.no_grad():
        a, p = model(anchors), model(positives)
        hits = (a @ p.t()).argmax(1).eq(torch.arange(a.size(0))).float().mean().item()
    model.train()
    return hits


def main(epochs=4, n_micro=4):
    anchors = torch.randint(1, 30000, (20000, 32))
    positives = anchors.clone()
    positives[torch.rand(positives.shape) < 0.3] = 0  # word dropout view
    loader = DataLoader(TensorDataset(anchors[:18000], positives[:18000]), batch_size=256, shuffle=True, drop_last=True)
    model = BowEncoder()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4)
    model.train()
    for epoch in range(epochs):
        total = 0.0
        for a_ids, p_ids in loader:
            total += train_step(model, optimizer, a_ids, p_ids, n_micro)
        acc = evaluate(model, anchors[18000:19000], positives[18000:19000])
        print(f"epoch {epoch} loss {total / len(loader):.4f} recall@1 {acc:.3f}")


if __name__ == "__main__":
    main()
