# expect: clean
# style: fairseq-like transformer encoder for sentence-pair classification with HF-style attention_mask (1 = token)
# note: attention_mask uses 1 for real tokens, so it is correctly inverted (== 0) before being passed as key_padding_mask; the causal variant uses triu(diagonal=1) which is True above the diagonal (blocked)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class EncoderBlock(nn.Module):
    def __init__(self, embed_dim=256, heads=8, ffn=1024, dropout=0.1):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(embed_dim, heads, dropout=dropout, batch_first=True)
        self.self_attn_layer_norm = nn.LayerNorm(embed_dim)
        self.fc1, self.fc2 = nn.Linear(embed_dim, ffn), nn.Linear(ffn, embed_dim)
        self.final_layer_norm = nn.LayerNorm(embed_dim)

    def forward(self, x, encoder_padding_mask, attn_mask=None):
        residual = x
        x, _ = self.self_attn(x, x, x, key_padding_mask=encoder_padding_mask, attn_mask=attn_mask)
        x = self.self_attn_layer_norm(residual + x)
        return self.final_layer_norm(x + self.fc2(F.relu(self.fc1(x))))


class PairClassifier(nn.Module):
    def __init__(self, vocab=32000, dim=256, layers=3, causal=False):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim, padding_idx=1)
        self.layers = nn.ModuleList(EncoderBlock(dim) for _ in range(layers))
        self.classification_head = nn.Linear(dim, 3)
        self.causal = causal

    def forward(self, input_ids, attention_mask):
        padding_mask = attention_mask == 0
        L = input_ids.size(1)
        attn_mask = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1) if self.causal else None
        x = self.embed_tokens(input_ids)
        for layer in self.layers:
            x = layer(x, padding_mask, attn_mask)
        keep = attention_mask.unsqueeze(-1).to(x.dtype)
        return self.classification_head((x * keep).sum(1) / keep.sum(1).clamp(min=1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-update", type=int, default=300)
    ap.add_argument("--causal", action="store_true")
    args = ap.parse_args()
    model = PairClassifier(causal=args.causal)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-6)
    for num_updates in range(args.max_update):
        lengths = torch.randint(8, 64, (32,))
        attention_mask = (torch.arange(64)[None, :] < lengths[:, None]).long()
        input_ids = torch.randint(4, 32000, (32, 64)) * attention_mask + (1 - attention_mask)
        loss = F.cross_entropy(model(input_ids, attention_mask), torch.randint(0, 3, (32,)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if num_updates % 50 == 0:
            print(f"| num_updates {num_updates} | loss {loss.item():.3f}")
