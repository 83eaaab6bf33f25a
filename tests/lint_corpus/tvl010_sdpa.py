# expect: TVL010
import torch
import torch.nn.functional as F


def causal_attention(q, k, v):
    T = q.size(-2)
    mask = torch.triu(torch.ones(T, T, device=q.device), diagonal=1).bool()
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
