# expect: TVL005
# style: research mixture-of-experts layer (fairseq-ish MoE FFN, argparse + wandb-free logging)
# bug: the experts live in a plain Python list, so their weights are not registered, not moved by .to(), and not handed to the optimizer
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger(__name__)


class Expert(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.w1 = nn.Linear(d_model, d_ff)
        self.w2 = nn.Linear(d_ff, d_model)

    def forward(self, x):
        return self.w2(F.gelu(self.w1(x)))


class Top1MoE(nn.Module):
    def __init__(self, d_model, d_ff, n_experts):
        super().__init__()
        self.gate = nn.Linear(d_model, n_experts, bias=False)
        self.experts = [Expert(d_model, d_ff) for _ in range(n_experts)]

    def forward(self, x):
        flat = x.reshape(-1, x.size(-1))
        probs = F.softmax(self.gate(flat), dim=-1)
        weight, idx = probs.max(-1)
        out = torch.zeros_like(flat)
        for e, expert in enumerate(self.experts):
            sel = idx == e
            if sel.any():
                out[sel] = expert(flat[sel]) * weight[sel, None]
        return out.view_as(x)


class MoEClassifier(nn.Module):
    def __init__(self, vocab, d_model, d_ff, n_experts, n_cls):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.moe = Top1MoE(d_model, d_ff, n_experts)
        self.out = nn.Linear(d_model, n_cls)

    def forward(self, ids):
        h = self.embed(ids)
        h = h + self.moe(h)
        return self.out(h.mean(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--experts", type=int, default=8)
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--updates", type=int, default=500)
    a = p.parse_args()
    model = MoEClassifier(8000, a.d_model, 4 * a.d_model, a.experts, 5)
    optim = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.9, 0.98))
    for upd in range(a.updates):
        ids, y = torch.randint(0, 8000, (32, 48)), torch.randint(0, 5, (32,))
        loss = F.cross_entropy(model(ids), y)
        optim.zero_grad()
        loss.backward()
        optim.step()
        if upd % 100 == 0:
            logger.info("update %d | loss %.3f", upd, loss.item())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
