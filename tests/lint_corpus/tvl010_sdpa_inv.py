# expect: TVL010
import torch
import torch.nn.functional as F

T = 128
allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
y = F.scaled_dot_product_attention(q, k, v, attn_mask=~allowed)
