# expect: TVL005
# style: hand-rolled LoRA adapter injected into a pretrained attention block (minLoRA / PEFT-by-hand)
# bug: LoRAAdapter stores lora_A/lora_B as plain tensors (no nn.Parameter), so they are not in .parameters() and the optimizer trains nothing
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRAAdapter(nn.Module):
    def __init__(self, fan_in, fan_out, rank=4, alpha=8.0):
        super().__init__()
        self.lora_A = torch.empty(rank, fan_in)
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_B = torch.zeros(fan_out, rank)
        self.scaling = alpha / rank

    def forward(self, x):
        return (x @ self.lora_A.T @ self.lora_B.T) * self.scaling


class AttnWithLoRA(nn.Module):
    def __init__(self, dim=192, heads=3, rank=4):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.q_lora = LoRAAdapter(dim, dim, rank)
        self.v_lora = LoRAAdapter(dim, dim, rank)

    def forward(self, x):
        B, N, C = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q + self.q_lora(x)
        v = v + self.v_lora(x)
        q, k, v = (t.view(B, N, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(B, N, C))


class ViTHead(nn.Module):
    def __init__(self, dim=192, n_cls=100):
        super().__init__()
        self.attn = AttnWithLoRA(dim)
        self.norm = nn.LayerNorm(dim)
        self.cls = nn.Linear(dim, n_cls)

    def forward(self, tokens):
        return self.cls(self.norm(self.attn(tokens)).mean(1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    model = ViTHead()
    for name, p in model.named_parameters():
        p.requires_grad = "lora" in name or name.startswith("cls.")
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    for step in range(args.steps):
        x, y = torch.randn(32, 16, 192), torch.randint(0, 100, (32,))
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(step, loss.item())
