# expect: TVL005
# style: research repo, multi-task NLP encoder with per-task heads built from a task config
# bug: the per-task classifier heads live in a plain dict attribute, so they are not registered sub-modules: not in parameters(), not moved by .to(), not saved in state_dict.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

TASKS = {
    "sentiment": 3,
    "topic": 8,
    "toxicity": 2,
}


class SharedEncoder(nn.Module):
    def __init__(self, vocab=8000, dim=256, layers=2, heads=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim, padding_idx=0)
        self.pos = nn.Embedding(128, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 4, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)

    def forward(self, ids):
        pos = torch.arange(ids.size(1), device=ids.device)
        h = self.tok(ids) + self.pos(pos)[None]
        h = self.enc(h, src_key_padding_mask=ids.eq(0))
        mask = ids.ne(0).unsqueeze(-1).float()
        return (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class MultiTaskModel(nn.Module):
    def __init__(self, tasks, dim=256):
        super().__init__()
        self.encoder = SharedEncoder(dim=dim)
        self.heads = {}
        for name, n_cls in tasks.items():
            self.heads[name] = nn.Sequential(nn.Dropout(0.1), nn.Linear(dim, n_cls))

    def forward(self, ids, task):
        return self.heads[task](self.encoder(ids))


def sample_batch(task, n_cls, bs=32, seq=40):
    ids = torch.randint(1, 8000, (bs, seq))
    lengths = torch.randint(8, seq + 1, (bs,))
    ids[torch.arange(seq)[None, :] >= lengths[:, None]] = 0
    return ids, torch.randint(0, n_cls, (bs,))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()

    model = MultiTaskModel(TASKS)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    names = list(TASKS)
    model.train()
    for step in range(args.steps):
        task = names[step % len(names)]
        ids, y = sample_batch(task, TASKS[task])
        loss = F.cross_entropy(model(ids, task), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0:
            print(f"step {step} task {task} loss {loss.item():.4f}")
    torch.save(model.state_dict(), "multitask.pt")


if __name__ == "__main__":
    main()
