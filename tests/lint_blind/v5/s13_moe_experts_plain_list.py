# expect: TVL005
# style: mixture-of-experts feed-forward layer in a small language model (Switch-Transformer-like, research code)
# bug: the experts are kept in a plain Python list, so their weights are not registered: not in parameters(), not trained, not moved by .to()
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


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
        self.router = nn.Linear(d_model, n_experts, bias=False)
        self.experts = [Expert(d_model, d_ff) for _ in range(n_experts)]

    def forward(self, x):
        b, t, d = x.shape
        flat = x.reshape(-1, d)
        probs = F.softmax(self.router(flat), dim=-1)
        gate, idx = probs.max(dim=-1)
        out = torch.zeros_like(flat)
        for e, expert in enumerate(self.experts):
            sel = idx == e
            if sel.any():
                out[sel] = gate[sel, None] * expert(flat[sel])
        frac = F.one_hot(idx, len(self.experts)).float().mean(0)
        self.aux_loss = len(self.experts) * (frac * probs.mean(0)).sum()
        return out.view(b, t, d)


class MoELM(nn.Module):
    def __init__(self, vocab=8192, d_model=256, n_experts=8):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.mix = nn.GRU(d_model, d_model, batch_first=True)
        self.norm = nn.LayerNorm(d_model)
        self.moe = Top1MoE(d_model, 4 * d_model, n_experts)
        self.lm_head = nn.Linear(d_model, vocab)

    def forward(self, ids):
        h, _ = self.mix(self.tok(ids))
        h = h + self.moe(self.norm(h))
        return self.lm_head(h)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--aux_coef", type=float, default=0.01)
    args = ap.parse_args()
    data = torch.randint(0, 8192, (4096, 129))
    loader = DataLoader(TensorDataset(data), batch_size=16, shuffle=True, drop_last=True)
    model = MoELM()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
    step = 0
    while step < args.steps:
        for (seq,) in loader:
            logits = model(seq[:, :-1])
            loss = F.cross_entropy(logits.flatten(0, 1), seq[:, 1:].flatten())
            loss = loss + args.aux_coef * model.moe.aux_loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if step % 100 == 0:
                print(f"step {step} loss {loss.item():.4f}")
            if step >= args.steps:
                break
