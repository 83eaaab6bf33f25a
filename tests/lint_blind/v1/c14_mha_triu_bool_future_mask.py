# expect: clean
# style: PyTorch "language modeling with nn.Transformer" tutorial (generate_square_subsequent_mask, batch_first MHA)
# note: MHA attn_mask = triu(ones, diagonal=1).bool() -> True marks FUTURE positions = not allowed, which is MHA's convention
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=512):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(1, max_len, d_model)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]


class DecoderOnlyLM(nn.Module):
    def __init__(self, ntoken, d_model=128, nhead=4, nlayers=2):
        super().__init__()
        self.embedding = nn.Embedding(ntoken, d_model)
        self.pos = PositionalEncoding(d_model)
        self.attn = nn.ModuleList(nn.MultiheadAttention(d_model, nhead, batch_first=True) for _ in range(nlayers))
        self.norms = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(nlayers))
        self.decoder = nn.Linear(d_model, ntoken)

    def forward(self, src):
        T = src.size(1)
        future = torch.triu(torch.ones(T, T, device=src.device), diagonal=1).bool()
        x = self.pos(self.embedding(src) * math.sqrt(self.embedding.embedding_dim))
        for attn, norm in zip(self.attn, self.norms):
            h = norm(x)
            x = x + attn(h, h, h, attn_mask=future, need_weights=False)[0]
        return self.decoder(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bptt", type=int, default=35)
    parser.add_argument("--lr", type=float, default=5.0)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    ntokens = 1000
    stream = torch.randint(0, ntokens, (40_000,))
    model = DecoderOnlyLM(ntokens)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    model.train()
    for step in range(args.steps):
        i = torch.randint(0, len(stream) - args.bptt - 1, (20,))
        data = torch.stack([stream[j:j + args.bptt] for j in i])
        targets = torch.stack([stream[j + 1:j + 1 + args.bptt] for j in i])
        loss = F.cross_entropy(model(data).view(-1, ntokens), targets.view(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        if (step + 1) % 100 == 0:
            scheduler.step()
            print(f"step {step + 1}: loss {loss.item():.3f} lr {scheduler.get_last_lr()[0]:.3f}")


if __name__ == "__main__":
    main()
