# zoo: expect=nonfinite-gradient,skipped-steps
# zoo: source=https://github.com/pytorch/pytorch/issues/2421
"""Fault: a cosine classifier over mean-pooled token embeddings, trained with fp16 autocast and
a GradScaler. The embedding is L2-normalised by hand, x / (sqrt(sum x²) + eps): the forward pass
is finite, but documents that are all padding pool to an exactly-zero vector, and the backward
of sqrt at 0 is inf, times 0 → NaN. Nearly every batch holds such a document, so the GradScaler
sees NaN gradients, silently skips the step and halves its scale, again and again
(nonfinite-gradient; the skips show as skipped-steps). --fixed: F.normalize, whose norm has a
zero subgradient at 0."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

vocab, classes, length = 500, 4, 16
g = torch.Generator().manual_seed(0)
labels = torch.randint(0, classes, (2048,), generator=g)
tokens = torch.randint(1, vocab, (2048, length), generator=g)
tokens[:, :4] = labels.unsqueeze(1) * 100 + torch.randint(1, 100, (2048, 4), generator=g)
lengths = torch.randint(4, length + 1, (2048,), generator=g)
lengths[torch.rand(2048, generator=g) < 0.1] = 0  # ~10% empty documents (all padding)
tokens[torch.arange(length) >= lengths.unsqueeze(1)] = 0  # 0 = padding


class CosineClassifier(nn.Module):
    def __init__(self, d: int = 64, fixed: bool = False) -> None:
        super().__init__()
        self.fixed = fixed
        self.embed = nn.Embedding(vocab, d, padding_idx=0)
        self.token_mlp = nn.Sequential(nn.Linear(d, d), nn.GELU())
        self.proj = nn.Linear(d, d, bias=False)
        self.classes = nn.Parameter(torch.randn(classes, d) * 0.1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens != 0).unsqueeze(-1).float()
        tok = self.token_mlp(self.embed(tokens))  # fp16 under autocast
        pooled = (tok.float() * mask).sum(1) / mask.sum(1).clamp(min=1)  # empty document → 0
        with torch.autocast("cpu", enabled=False):  # the cosine head in fp32
            h = self.proj(pooled)
            if self.fixed:
                h = F.normalize(h, dim=-1)
            else:
                h = h / (h.pow(2).sum(-1, keepdim=True).sqrt() + 1e-6)  # the bug: d sqrt(0) = inf
            return 10.0 * h @ F.normalize(self.classes, dim=-1).t()


model = CosineClassifier(fixed=args.fixed)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scaler = torch.amp.GradScaler("cpu")
for _ in range(150):
    i = torch.randint(0, len(tokens), (64,), generator=g)
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.float16):
        logits = model(tokens[i])
    loss = F.cross_entropy(logits, labels[i])
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
print(f"final loss {loss.item():.4f}, grad scale {scaler.get_scale():.3g}")
