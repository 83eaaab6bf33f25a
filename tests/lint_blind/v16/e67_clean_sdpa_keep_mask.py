# expect: clean
# style: hand-written transformer encoder for document classification using F.scaled_dot_product_attention, HF-style attention_mask
# note: the boolean mask passed to scaled_dot_product_attention is attention_mask.bool() (True = real token = may attend), which is the correct SDPA convention; padding is excluded
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("doccls")


class Docs(Dataset):
    def __init__(self, n, vocab=20000, max_len=256, n_cls=20, seed=0):
        g = torch.Generator().manual_seed(seed)
        lens = torch.randint(16, max_len + 1, (n,), generator=g)
        self.ids = torch.randint(1, vocab, (n, max_len), generator=g)
        self.mask = (torch.arange(max_len)[None, :] < lens[:, None]).long()
        self.ids = self.ids * self.mask
        self.y = torch.randint(0, n_cls, (n,), generator=g)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i], "label": self.y[i]}


class MHSA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d)

    def forward(self, x, keep):
        B, T, D = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.view(B, T, self.h, D // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep[:, None, None, :],
                                           dropout_p=0.1 if self.training else 0.0)
        return self.o(y.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = MHSA(d, h)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, keep):
        x = x + self.attn(self.ln1(x), keep)
        return x + self.mlp(self.ln2(x))


class DocClassifier(nn.Module):
    def __init__(self, vocab=20000, d=256, h=4, L=4, n_cls=20, max_len=256):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(L)])
        self.norm = nn.LayerNorm(d)
        self.cls = nn.Linear(d, n_cls)

    def forward(self, input_ids, attention_mask):
        keep = attention_mask.bool()
        x = self.tok(input_ids) + self.pos(torch.arange(input_ids.size(1), device=input_ids.device))
        for b in self.blocks:
            x = b(x, keep)
        m = attention_mask.unsqueeze(-1).to(x.dtype)
        return self.cls(self.norm((x * m).sum(1) / m.sum(1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(Docs(6000), batch_size=32, shuffle=True)
    val_loader = DataLoader(Docs(800, seed=1), batch_size=128)
    model = DocClassifier().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    for epoch in range(args.epochs):
        model.train()
        for step, b in enumerate(train_loader):
            b = {k: v.to(device) for k, v in b.items()}
            loss = F.cross_entropy(model(b["input_ids"], b["attention_mask"]), b["label"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % 50 == 0:
                log.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
        model.eval()
        correct = 0
        with torch.no_grad():
            for b in val_loader:
                b = {k: v.to(device) for k, v in b.items()}
                correct += (model(b["input_ids"], b["attention_mask"]).argmax(1) == b["label"]).sum().item()
        log.info("epoch %d val acc %.4f", epoch, correct / len(val_loader.dataset))


if __name__ == "__main__":
    main()
