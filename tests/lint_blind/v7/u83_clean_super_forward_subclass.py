# expect: clean
# style: research repo with custom layers (LoRA-style adapter subclassing nn.Linear), instruction-tuning-style LM fine-tuning
# note: the code contains .forward( calls, which look like TVL013, but they are super().forward(x) inside a subclass's own forward (the normal way to extend a module); the model itself is always invoked as model(x).
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("lora")


class LoRALinear(nn.Linear):
    def __init__(self, in_f, out_f, r=8, alpha=16, bias=True):
        super().__init__(in_f, out_f, bias=bias)
        self.lora_A = nn.Parameter(torch.zeros(r, in_f))
        self.lora_B = nn.Parameter(torch.zeros(out_f, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scaling = alpha / r
        self.weight.requires_grad_(False)
        if self.bias is not None:
            self.bias.requires_grad_(False)

    def forward(self, x):
        return super().forward(x) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scaling


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = LoRALinear(d, 3 * d)
        self.o = LoRALinear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        for p in self.ff.parameters():
            p.requires_grad_(False)
        for p in list(self.ln1.parameters()) + list(self.ln2.parameters()):
            p.requires_grad_(False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).chunk(3, -1)
        y = F.scaled_dot_product_attention(q.view(B, T, 4, -1).transpose(1, 2), k.view(B, T, 4, -1).transpose(1, 2),
                                           v.view(B, T, 4, -1).transpose(1, 2), is_causal=True)
        x = x + self.o(y.transpose(1, 2).reshape(B, T, C))
        return x + self.ff(self.ln2(x))


class TinyLM(nn.Module):
    def __init__(self, vocab=4096, d=256, n=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.emb.weight.requires_grad_(False)
        self.blocks = nn.Sequential(*[Block(d) for _ in range(n)])
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight.requires_grad_(False)

    def forward(self, idx):
        return self.head(self.blocks(self.emb(idx)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    data = torch.randint(0, 4096, (2000, 129))
    loader = DataLoader(TensorDataset(data), batch_size=16, shuffle=True)
    model = TinyLM()
    trainable = [p for p in model.parameters() if p.requires_grad]
    log.info("trainable %d / %d", sum(p.numel() for p in trainable), sum(p.numel() for p in model.parameters()))
    opt = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.0)
    model.train()
    for epoch in range(args.epochs):
        for i, (seq,) in enumerate(loader):
            logits = model(seq[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), seq[:, 1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i % 25 == 0:
                log.info("epoch %d it %d loss %.4f", epoch, i, loss.item())


if __name__ == "__main__":
    main()
