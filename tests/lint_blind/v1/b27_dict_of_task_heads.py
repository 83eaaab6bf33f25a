# expect: TVL005
# style: multi-task learning repo (shared encoder + per-task heads keyed by task name, config dict)
# bug: self.heads is a plain dict of nn.Linear heads (should be nn.ModuleDict), so the heads are never trained or moved
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

TASKS = {"sentiment": 3, "topic": 8, "toxicity": 2}


class MultiTaskModel(nn.Module):
    def __init__(self, vocab, dim, tasks):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.shared = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Dropout(0.1))
        self.heads = {name: nn.Linear(dim, n_cls) for name, n_cls in tasks.items()}

    def forward(self, tokens, task):
        return self.heads[task](self.shared(self.embed(tokens)))


def sample_batch(task, bsz, vocab):
    return torch.randint(0, vocab, (bsz, 30)), torch.randint(0, TASKS[task], (bsz,))


def train(model, optimizer, steps, bsz, vocab):
    model.train()
    history = {t: [] for t in TASKS}
    for step in range(steps):
        task = list(TASKS)[step % len(TASKS)]
        tokens, labels = sample_batch(task, bsz, vocab)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tokens, task), labels)
        loss.backward()
        optimizer.step()
        history[task].append(loss.item())
    return history


@torch.no_grad()
def evaluate(model, vocab):
    model.eval()
    accs = {}
    for task in TASKS:
        tokens, labels = sample_batch(task, 256, vocab)
        accs[task] = (model(tokens, task).argmax(-1) == labels).float().mean().item()
    return accs


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--vocab", type=int, default=10000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    model = MultiTaskModel(args.vocab, args.dim, TASKS)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for rnd in range(3):
        hist = train(model, optimizer, args.steps // 3, 64, args.vocab)
        print(rnd, {t: round(sum(v) / len(v), 4) for t, v in hist.items()}, evaluate(model, args.vocab))
