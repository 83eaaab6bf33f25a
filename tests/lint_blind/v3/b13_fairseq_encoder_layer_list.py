# expect: TVL005
# style: fairseq TransformerEncoder (build_encoder_layer, layer stack, embed_scale) with a tiny translation-ish trainer
# bug: encoder layers are kept in a plain Python list, so they are not registered: not in parameters(), not moved by .to(), never optimized
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TransformerEncoderLayer(nn.Module):
    def __init__(self, embed_dim, heads, ffn_dim, dropout):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(embed_dim, heads, dropout=dropout, batch_first=True)
        self.self_attn_layer_norm = nn.LayerNorm(embed_dim)
        self.fc1 = nn.Linear(embed_dim, ffn_dim)
        self.fc2 = nn.Linear(ffn_dim, embed_dim)
        self.final_layer_norm = nn.LayerNorm(embed_dim)
        self.dropout = dropout

    def forward(self, x):
        residual = x
        x, _ = self.self_attn(x, x, x, need_weights=False)
        x = self.self_attn_layer_norm(residual + F.dropout(x, self.dropout, self.training))
        residual = x
        x = self.fc2(F.relu(self.fc1(x)))
        return self.final_layer_norm(residual + F.dropout(x, self.dropout, self.training))


class TransformerEncoder(nn.Module):
    def __init__(self, args, vocab_size):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab_size, args.encoder_embed_dim, padding_idx=1)
        self.embed_scale = math.sqrt(args.encoder_embed_dim)
        self.layers = [self.build_encoder_layer(args) for _ in range(args.encoder_layers)]
        self.output_projection = nn.Linear(args.encoder_embed_dim, vocab_size)

    def build_encoder_layer(self, args):
        return TransformerEncoderLayer(args.encoder_embed_dim, args.encoder_attention_heads,
                                       args.encoder_ffn_embed_dim, args.dropout)

    def forward(self, src_tokens):
        x = self.embed_scale * self.embed_tokens(src_tokens)
        for layer in self.layers:
            x = layer(x)
        return self.output_projection(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoder-embed-dim", type=int, default=256)
    parser.add_argument("--encoder-ffn-embed-dim", type=int, default=1024)
    parser.add_argument("--encoder-layers", type=int, default=4)
    parser.add_argument("--encoder-attention-heads", type=int, default=4)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--max-epoch", type=int, default=3)
    args = parser.parse_args()

    model = TransformerEncoder(args, vocab_size=8000)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.9, 0.98))
    src = torch.randint(2, 8000, (2048, 32))
    loader = DataLoader(TensorDataset(src[:, :-1], src[:, 1:]), batch_size=64, shuffle=True)
    for epoch in range(1, args.max_epoch + 1):
        model.train()
        for i, (x, y) in enumerate(loader):
            logits = model(x)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1), ignore_index=1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i % 20 == 0:
                print(f"| epoch {epoch:03d} | {i:5d} / {len(loader)} | loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
