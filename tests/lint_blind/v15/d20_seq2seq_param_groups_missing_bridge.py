# expect: TVL006
# style: NMT seq2seq (GRU encoder-decoder with attention), param groups built by a helper with per-module learning rates
# bug: param_groups() lists the encoder, decoder and generator but not the `bridge` layer that maps encoder state to decoder state; bridge is trainable, receives gradients every step, and is never updated
import argparse
import logging
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("nmt")
PAD, BOS, EOS = 0, 1, 2


class ReverseCopyTask(Dataset):
    """Toy translation: target is the reversed source with a token offset."""

    def __init__(self, n, vocab, seed):
        rnd = random.Random(seed)
        self.pairs = []
        for _ in range(n):
            L = rnd.randint(4, 20)
            src = [rnd.randint(3, vocab - 1) for _ in range(L)]
            tgt = [3 + (t - 3 + 7) % (vocab - 3) for t in reversed(src)]
            self.pairs.append((src, tgt))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]


def collate(batch):
    srcs, tgts = zip(*batch)
    S = max(len(s) for s in srcs)
    T = max(len(t) for t in tgts) + 1
    src = torch.full((len(batch), S), PAD)
    tin = torch.full((len(batch), T), PAD)
    tout = torch.full((len(batch), T), PAD)
    for k, (s, t) in enumerate(zip(srcs, tgts)):
        src[k, : len(s)] = torch.tensor(s)
        tin[k, : len(t) + 1] = torch.tensor([BOS] + t)
        tout[k, : len(t) + 1] = torch.tensor(t + [EOS])
    return src, tin, tout


class Seq2Seq(nn.Module):
    def __init__(self, vocab, emb=128, hid=256):
        super().__init__()
        self.src_emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.encoder = nn.GRU(emb, hid, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hid, hid)
        self.decoder = nn.GRU(emb + 2 * hid, hid, batch_first=True)
        self.attn_proj = nn.Linear(hid, 2 * hid, bias=False)
        self.generator = nn.Linear(hid + 2 * hid, vocab)

    def forward(self, src, tin):
        mem, h = self.encoder(self.src_emb(src))
        h0 = torch.tanh(self.bridge(torch.cat([h[0], h[1]], -1))).unsqueeze(0)
        src_pad = src.eq(PAD)
        ctx = mem.mean(1, keepdim=True)
        outs = []
        state = h0
        for t in range(tin.size(1)):
            inp = torch.cat([self.tgt_emb(tin[:, t : t + 1]), ctx], -1)
            o, state = self.decoder(inp, state)
            scores = torch.bmm(self.attn_proj(o), mem.transpose(1, 2))
            scores = scores.masked_fill(src_pad.unsqueeze(1), float("-inf"))
            ctx = torch.bmm(scores.softmax(-1), mem)
            outs.append(self.generator(torch.cat([o, ctx], -1)))
        return torch.cat(outs, 1)


def param_groups(model, base_lr):
    return [
        {"params": list(model.src_emb.parameters()) + list(model.encoder.parameters()), "lr": base_lr},
        {"params": list(model.tgt_emb.parameters()) + list(model.decoder.parameters())
                   + list(model.attn_proj.parameters()), "lr": base_lr},
        {"params": model.generator.parameters(), "lr": base_lr * 0.5},
    ]


@torch.no_grad()
def token_accuracy(model, loader):
    model.eval()
    hit, tot = 0, 0
    for src, tin, tout in loader:
        pred = model(src, tin).argmax(-1)
        m = tout.ne(PAD)
        hit += (pred.eq(tout) & m).sum().item()
        tot += m.sum().item()
    return hit / tot


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)

    train_dl = DataLoader(ReverseCopyTask(20000, args.vocab, 0), batch_size=64, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(ReverseCopyTask(1000, args.vocab, 1), batch_size=128, collate_fn=collate)
    model = Seq2Seq(args.vocab)
    optimizer = torch.optim.Adam(param_groups(model, args.lr))
    criterion = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=0.1)

    for epoch in range(args.epochs):
        model.train()
        tot, n = 0.0, 0
        for step, (src, tin, tout) in enumerate(train_dl):
            logits = model(src, tin)
            loss = criterion(logits.reshape(-1, logits.size(-1)), tout.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            tot += loss.item()
            n += 1
        acc = token_accuracy(model, dev_dl)
        logger.info("epoch %d loss %.4f ppl %.2f dev_tok_acc %.4f", epoch, tot / n, math.exp(tot / n), acc)
    torch.save(model.state_dict(), "seq2seq.pt")


if __name__ == "__main__":
    main()
