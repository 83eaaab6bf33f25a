# expect: TVL011
# style: RLHF reward-model training script (pairwise Bradley-Terry loss) with a grad_is_healthy() helper
# bug: grad_is_healthy() decides on gradient norms whether to call optimizer.step(); skipped steps are not counted anywhere
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class RewardModel(nn.Module):
    def __init__(self, vocab=10000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.encoder = nn.GRU(d, d, batch_first=True)
        self.v_head = nn.Linear(d, 1)

    def forward(self, ids):
        h, _ = self.encoder(self.emb(ids))
        return self.v_head(h[:, -1]).squeeze(-1)


def grad_is_healthy(model, max_norm):
    total = torch.norm(torch.stack([p.grad.norm() for p in model.parameters() if p.grad is not None]))
    return bool(torch.isfinite(total)) and total.item() < max_norm


def train(model, loader, optimizer, args):
    for epoch in range(args.epochs):
        model.train()
        acc_sum, n = 0.0, 0
        for chosen, rejected in loader:
            r_c, r_r = model(chosen), model(rejected)
            loss = -F.logsigmoid(r_c - r_r).mean()
            optimizer.zero_grad()
            loss.backward()
            if grad_is_healthy(model, args.max_norm):
                optimizer.step()
            acc_sum += (r_c > r_r).float().sum().item()
            n += chosen.size(0)
        print(f"epoch {epoch} pairwise acc {acc_sum / n:.3f} last loss {loss.item():.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-5)
    parser.add_argument("--max_norm", type=float, default=50.0)
    args = parser.parse_args()
    chosen = torch.randint(0, 10000, (640, 48))
    rejected = torch.randint(0, 10000, (640, 48))
    loader = DataLoader(TensorDataset(chosen, rejected), batch_size=16, shuffle=True)
    model = RewardModel()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    train(model, loader, optimizer, args)


if __name__ == "__main__":
    main()
