# expect: TVL010
# style: HF transformers-style encoder (get_extended_attention_mask helper + SDPA attention)
# bug: build_padding_mask() returns True at PAD positions, which SDPA reads as "may attend" -> padding-only attention
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_ID = 0


def build_padding_mask(input_ids, pad_id=PAD_ID):
    # (B, T) -> (B, 1, 1, T), broadcast over heads and query positions
    return (input_ids == pad_id)[:, None, None, :]


class SdpaSelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)

    def forward(self, hidden_states, attention_mask):
        B, T, C = hidden_states.shape
        q, k, v = self.qkv(hidden_states).chunk(3, dim=-1)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask)
        return self.out(ctx.transpose(1, 2).reshape(B, T, C))


class MiniBertForSequenceClassification(nn.Module):
    def __init__(self, vocab=5000, hidden=128, heads=4, layers=2, num_labels=2):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, hidden, padding_idx=PAD_ID)
        self.attn_layers = nn.ModuleList([SdpaSelfAttention(hidden, heads) for _ in range(layers)])
        self.norms = nn.ModuleList([nn.LayerNorm(hidden) for _ in range(layers)])
        self.classifier = nn.Linear(hidden, num_labels)

    def forward(self, input_ids, labels=None):
        mask = build_padding_mask(input_ids)
        h = self.embeddings(input_ids)
        for attn, norm in zip(self.attn_layers, self.norms):
            h = norm(h + attn(h, mask))
        logits = self.classifier(h[:, 0])
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return loss, logits


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning_rate", type=float, default=5e-5)
    parser.add_argument("--max_steps", type=int, default=300)
    args = parser.parse_args()
    model = MiniBertForSequenceClassification()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    model.train()
    for step in range(args.max_steps):
        lengths = torch.randint(8, 48, (16,))
        input_ids = torch.randint(1, 5000, (16, 48))
        input_ids[torch.arange(48)[None, :] >= lengths[:, None]] = PAD_ID
        labels = torch.randint(0, 2, (16,))
        loss, _ = model(input_ids, labels=labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step % 50 == 0:
            print(f"step {step}: loss={loss.item():.4f}")
