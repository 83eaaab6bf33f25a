# expect: clean
# SDPA gets `attention_mask == 1`: True on real tokens, the positions that may be attended.
import torch
import torch.nn.functional as F
from torch import nn


class PoolingEncoder(nn.Module):
    def __init__(self, vocab=30522, width=128, heads=4):
        super().__init__()
        self.heads = heads
        self.embed = nn.Embedding(vocab, width)
        self.qkv = nn.Linear(width, 3 * width)
        self.score = nn.Linear(width, 1)

    def forward(self, input_ids, attention_mask):
        h = self.embed(input_ids)
        b, t, w = h.shape
        q, k, v = self.qkv(h).view(b, t, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        blocked = (attention_mask == 1)[:, None, None, :]
        h = F.scaled_dot_product_attention(q, k, v, attn_mask=blocked).transpose(1, 2).reshape(b, t, w)
        return self.score(h[:, 0]).squeeze(-1)


def train(model, batches, steps=1000):
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5)
    for step, enc in zip(range(steps), batches):
        scores = model(enc["input_ids"], enc["attention_mask"])
        loss = F.binary_cross_entropy_with_logits(scores, enc["labels"].float())
        opt.zero_grad()
        loss.backward()
        opt.step()
