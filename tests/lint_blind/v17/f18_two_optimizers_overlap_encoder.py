# expect: TVL006
# style: seq2seq summarisation trainer with separate encoder learning rate, hand-written HF-like loop
# bug: enc_opt covers model.encoder while main_opt covers all of model.parameters(), so the encoder parameters sit in two optimizers and are updated twice per step.
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD, BOS, EOS = 0, 1, 2


class PairDataset(Dataset):
    def __init__(self, n, vocab, src_len=64, tgt_len=16, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.src = torch.randint(3, vocab, (n, src_len), generator=g)
        self.tgt = torch.cat([torch.full((n, 1), BOS), self.src[:, :tgt_len - 2], torch.full((n, 1), EOS)], 1)

    def __len__(self):
        return len(self.src)

    def __getitem__(self, i):
        return self.src[i], self.tgt[i]


class Seq2Seq(nn.Module):
    def __init__(self, vocab=4000, d=256, heads=4, layers=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, d, padding_idx=PAD)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True), layers)
        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, heads, 4 * d, 0.1, batch_first=True), layers)
        self.lm_head = nn.Linear(d, vocab)
        self.scale = math.sqrt(d)

    def forward(self, src, tgt_in):
        mem = self.encoder(self.embed(src) * self.scale)
        T = tgt_in.size(1)
        causal = torch.triu(torch.full((T, T), float("-inf"), device=src.device), 1)
        out = self.decoder(self.embed(tgt_in) * self.scale, mem, tgt_mask=causal)
        return self.lm_head(out)


def build_optimizers(model, args):
    enc_opt = torch.optim.AdamW(model.encoder.parameters(), lr=args.enc_lr, weight_decay=0.01)
    main_opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    return [enc_opt, main_opt]


def train_step(model, batch, optimizers, device, clip):
    src, tgt = (t.to(device) for t in batch)
    logits = model(src, tgt[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1), ignore_index=PAD)
    for opt in optimizers:
        opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    for opt in optimizers:
        opt.step()
    return loss.item()


@torch.no_grad()
def eval_loss(model, loader, device):
    model.eval()
    tot, n = 0.0, 0
    for src, tgt in loader:
        src, tgt = src.to(device), tgt.to(device)
        logits = model(src, tgt[:, :-1])
        tot += F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1), ignore_index=PAD).item()
        n += 1
    model.train()
    return tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--enc-lr", type=float, default=1e-4)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--log-every", type=int, default=50)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = Seq2Seq().to(device)
    optimizers = build_optimizers(model, args)
    train_dl = DataLoader(PairDataset(20000, 4000), batch_size=32, shuffle=True)
    val_dl = DataLoader(PairDataset(2000, 4000, seed=1), batch_size=128)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        for batch in train_dl:
            loss = train_step(model, batch, optimizers, device, args.clip)
            step += 1
            if step % args.log_every == 0:
                print(f"step {step} loss {loss:.4f} ({time.time() - t0:.1f}s)")
        print(f"epoch {epoch} val_loss {eval_loss(model, val_dl, device):.4f}")
    torch.save(model.state_dict(), "seq2seq.pt")


if __name__ == "__main__":
    main()
