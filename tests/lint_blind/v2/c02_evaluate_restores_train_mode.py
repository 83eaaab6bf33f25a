# expect: clean
# style: sentence-transformers-style fit() with an evaluator callback invoked every N steps
# note: evaluator sets eval() and restores the previous mode with model.train(was_training) before returning
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Encoder(nn.Module):
    def __init__(self, vocab=12000, d=192):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, d)
        self.drop = nn.Dropout(0.1)
        self.proj = nn.Linear(d, d)

    def forward(self, ids):
        return F.normalize(self.proj(self.drop(self.emb(ids))), dim=-1)


class EmbeddingSimilarityEvaluator:
    def __init__(self, s1, s2, gold):
        self.s1, self.s2, self.gold = s1, s2, gold

    def __call__(self, model):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            sims = (model(self.s1) * model(self.s2)).sum(-1)
        model.train(was_training)
        vx, vy = sims - sims.mean(), self.gold - self.gold.mean()
        return float((vx * vy).sum() / (vx.norm() * vy.norm() + 1e-8))


def fit(model, loader, evaluator, epochs, evaluation_steps, lr):
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    global_step = 0
    for epoch in range(epochs):
        for a, b in loader:
            ea, eb = model(a), model(b)
            loss = F.cross_entropy(ea @ eb.t() * 20.0, torch.arange(a.size(0)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            global_step += 1
            if global_step % evaluation_steps == 0:
                print(f"epoch {epoch} step {global_step} spearman-ish {evaluator(model):.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--evaluation_steps", type=int, default=10)
    args = ap.parse_args()
    ds = TensorDataset(torch.randint(0, 12000, (640, 24)), torch.randint(0, 12000, (640, 24)))
    evaluator = EmbeddingSimilarityEvaluator(torch.randint(0, 12000, (100, 24)), torch.randint(0, 12000, (100, 24)),
                                             torch.rand(100))
    fit(Encoder(), DataLoader(ds, batch_size=32, shuffle=True), evaluator, args.epochs, args.evaluation_steps, 2e-5)


if __name__ == "__main__":
    main()
