# expect: TVL007,TVL015
# style: sequential recommendation repo (SASRec-like next-item model, argparse, get_loaders() helper, warmup LambdaLR)
# bug: get_loaders() builds the training DataLoader without shuffle or sampler (TVL015), and train() calls scheduler.step() before optimizer.step() (TVL007)
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SASRecLite(nn.Module):
    def __init__(self, n_items, maxlen=50, d=64, heads=2, layers=2):
        super().__init__()
        self.item_emb = nn.Embedding(n_items + 1, d, padding_idx=0)
        self.pos_emb = nn.Embedding(maxlen, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.2, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.out = nn.Linear(d, n_items + 1)

    def forward(self, seq):
        T = seq.size(1)
        h = self.item_emb(seq) + self.pos_emb(torch.arange(T, device=seq.device))
        causal = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
        return self.out(self.encoder(h, mask=causal))


def get_loaders(n_users, n_items, maxlen, batch_size):
    seqs = torch.randint(1, n_items + 1, (n_users, maxlen + 1))
    n_train = int(0.9 * n_users)
    train = TensorDataset(seqs[:n_train, :-1], seqs[:n_train, 1:])
    valid = TensorDataset(seqs[n_train:, :-1], seqs[n_train:, 1:])
    return DataLoader(train, batch_size=batch_size), DataLoader(valid, batch_size=batch_size)


def train(model, loader, optimizer, scheduler):
    model.train()
    total = 0.0
    for seq, pos in loader:
        logits = model(seq)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), pos.reshape(-1), ignore_index=0)
        optimizer.zero_grad()
        loss.backward()
        scheduler.step()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


@torch.no_grad()
def evaluate(model, loader, k=10):
    model.eval()
    hits = n = 0
    for seq, pos in loader:
        topk = model(seq)[:, -1].topk(k, -1).indices
        hits += (topk == pos[:, -1:]).any(-1).sum().item()
        n += seq.size(0)
    return hits / n


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n_items", type=int, default=3000)
    ap.add_argument("--maxlen", type=int, default=50)
    ap.add_argument("--num_epochs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=100)
    args = ap.parse_args()
    train_loader, valid_loader = get_loaders(6000, args.n_items, args.maxlen, 128)
    model = SASRecLite(args.n_items, args.maxlen)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / args.warmup))
    for epoch in range(args.num_epochs):
        loss = train(model, train_loader, optimizer, scheduler)
        print(f"epoch {epoch}: loss {loss:.4f} HR@10 {evaluate(model, valid_loader):.4f}")
