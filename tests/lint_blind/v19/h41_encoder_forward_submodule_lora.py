# expect: TVL013
# style: seq2seq-lite summarisation model where a LoRA-style adapter is attached to the encoder via forward hooks
# bug: `Seq2Seq.encode` calls self.encoder.forward(src) directly, so the forward hook that adds the low-rank adapter output is skipped and the adapter (the only thing being trained besides the decoder) never affects the loss
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("s2s")
PAD, BOS = 0, 1


class LowRankAdapter(nn.Module):
    def __init__(self, d, r=8, alpha=16):
        super().__init__()
        self.down = nn.Linear(d, r, bias=False)
        self.up = nn.Linear(r, d, bias=False)
        nn.init.zeros_(self.up.weight)
        self.scale = alpha / r

    def forward(self, h):
        return self.up(self.down(h)) * self.scale


def attach_adapter(module, adapter):
    def hook(mod, inputs, output):
        return output + adapter(output)
    return module.register_forward_hook(hook)


class Seq2Seq(nn.Module):
    def __init__(self, vocab, d=256, heads=4, layers=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        enc_layer = nn.TransformerEncoderLayer(d, heads, 4 * d, batch_first=True)
        dec_layer = nn.TransformerDecoderLayer(d, heads, 4 * d, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.decoder = nn.TransformerDecoder(dec_layer, layers)
        self.lm_head = nn.Linear(d, vocab)
        self.adapter = LowRankAdapter(d)
        attach_adapter(self.encoder, self.adapter)

    def encode(self, src):
        return self.encoder.forward(self.emb(src), src_key_padding_mask=src.eq(PAD))

    def decode(self, memory, tgt_in, src):
        T = tgt_in.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=tgt_in.device), diagonal=1)
        h = self.decoder(self.emb(tgt_in), memory, tgt_mask=causal,
                         tgt_key_padding_mask=tgt_in.eq(PAD), memory_key_padding_mask=src.eq(PAD))
        return self.lm_head(h)

    def forward(self, src, tgt_in):
        return self.decode(self.encode(src), tgt_in, src)


def freeze_for_adapter_tuning(model):
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith("adapter.") or name.startswith("decoder.") or name.startswith("lm_head.")
    return [p for p in model.parameters() if p.requires_grad]


def make_pairs(n, vocab, src_len=60, tgt_len=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(2, vocab, (n, src_len), generator=g)
    tgt = src[:, :tgt_len].clone()
    tgt_in = torch.cat([torch.full((n, 1), BOS), tgt[:, :-1]], 1)
    return TensorDataset(src, tgt_in, tgt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    model = Seq2Seq(args.vocab).to(device)
    params = freeze_for_adapter_tuning(model)
    log.info("trainable %d / %d", sum(p.numel() for p in params), sum(p.numel() for p in model.parameters()))
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    train_dl = DataLoader(make_pairs(20000, args.vocab), batch_size=64, shuffle=True)
    val_dl = DataLoader(make_pairs(1000, args.vocab, seed=1), batch_size=128)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for src, tgt_in, tgt in train_dl:
            src, tgt_in, tgt = src.to(device), tgt_in.to(device), tgt.to(device)
            logits = model(src, tgt_in)
            loss = F.cross_entropy(logits.reshape(-1, args.vocab), tgt.reshape(-1), ignore_index=PAD)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        vl = 0.0
        with torch.no_grad():
            for src, tgt_in, tgt in val_dl:
                logits = model(src.to(device), tgt_in.to(device))
                vl += F.cross_entropy(logits.reshape(-1, args.vocab), tgt.to(device).reshape(-1), ignore_index=PAD).item()
        vl /= len(val_dl)
        log.info("epoch %d train %.4f val %.4f ppl %.1f", epoch, tot / len(train_dl), vl, math.exp(vl))
    torch.save({k: v for k, v in model.state_dict().items() if k.startswith("adapter.")}, "adapter.pt")


if __name__ == "__main__":
    main()
