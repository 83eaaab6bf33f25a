# expect: clean
# Two-tower retrieval: the query tower and the item tower both feed the contrastive loss, and
# the optimizer gets both towers.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Tower(nn.Module):
    def __init__(self, vocab: int, dim: int = 64) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, ids):
        return F.normalize(self.proj(self.bag(ids)), dim=-1)


def main() -> None:
    query_tower = Tower(5000)
    item_tower = Tower(8000)
    opt = torch.optim.AdamW([*query_tower.parameters(), *item_tower.parameters()], lr=3e-4)
    for step in range(200):
        q_ids = torch.randint(0, 5000, (32, 6))
        i_ids = torch.randint(0, 8000, (32, 10))
        scores = query_tower(q_ids) @ item_tower(i_ids).T / 0.05
        loss = F.cross_entropy(scores, torch.arange(32))
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.save(item_tower.state_dict(), "items.pt")


if __name__ == "__main__":
    main()
