# expect: TVL006
# style: seq2seq GRU with attention for date normalisation, course-project script
# bug: the optimizer is built from encoder and decoder parameters but the shared token embedding (a separate, trainable module) is left out, so its gradients are computed and never applied
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(0)
torch.manual_seed(0)

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
chars = sorted(set("0123456789-/ ,abcdefghijklmnopqrstuvwxyz"))
PAD, SOS, EOS = 0, 1, 2
itos = ["<pad>", "<s>", "</s>"] + chars
stoi = {c: i for i, c in enumerate(itos)}


def make_pair():
    d, m, y = random.randint(1, 28), random.randint(1, 12), random.randint(1950, 2030)
    src = random.choice([f"{d} {MONTHS[m - 1]} {y}", f"{MONTHS[m - 1]} {d}, {y}", f"{d}/{m}/{y}"])
    tgt = f"{y:04d}-{m:02d}-{d:02d}"
    return src, tgt


def encode(s, max_len):
    ids = [stoi[c] for c in s][: max_len - 1] + [EOS]
    return ids + [PAD] * (max_len - len(ids))


def batch(n, src_len=20, tgt_len=12):
    pairs = [make_pair() for _ in range(n)]
    src = torch.tensor([encode(s, src_len) for s, _ in pairs])
    tgt = torch.tensor([encode(t, tgt_len) for _, t in pairs])
    return src, tgt


class Encoder(nn.Module):
    def __init__(self, emb, hid):
        super().__init__()
        self.emb = emb
        self.rnn = nn.GRU(emb.embedding_dim, hid, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hid, hid)

    def forward(self, src):
        out, h = self.rnn(self.emb(src))
        return out, torch.tanh(self.bridge(torch.cat([h[0], h[1]], -1)))


class Decoder(nn.Module):
    def __init__(self, emb, hid, vocab):
        super().__init__()
        self.emb = emb
        self.attn = nn.Linear(hid, 2 * hid, bias=False)
        self.rnn = nn.GRUCell(emb.embedding_dim + 2 * hid, hid)
        self.out = nn.Linear(hid + 2 * hid, vocab)

    def forward(self, tgt_in, enc_out, h, src_mask):
        logits = []
        for t in range(tgt_in.size(1)):
            scores = torch.bmm(enc_out, self.attn(h).unsqueeze(2)).squeeze(2)
            scores = scores.masked_fill(~src_mask, float("-inf"))
            ctx = torch.bmm(F.softmax(scores, 1).unsqueeze(1), enc_out).squeeze(1)
            h = self.rnn(torch.cat([self.emb(tgt_in[:, t]), ctx], -1), h)
            logits.append(self.out(torch.cat([h, ctx], -1)))
        return torch.stack(logits, 1)


embedding = nn.Embedding(len(itos), 64, padding_idx=PAD)
encoder = Encoder(embedding, 128)
decoder = Decoder(embedding, 128, len(itos))
params = list(encoder.rnn.parameters()) + list(encoder.bridge.parameters()) + \
    list(decoder.attn.parameters()) + list(decoder.rnn.parameters()) + list(decoder.out.parameters())
optimizer = torch.optim.Adam(params, lr=2e-3)
print("optimizing", sum(p.numel() for p in params), "parameters")

for step in range(3000):
    encoder.train()
    decoder.train()
    src, tgt = batch(64)
    tgt_in = torch.cat([torch.full((64, 1), SOS), tgt[:, :-1]], 1)
    enc_out, h = encoder(src)
    logits = decoder(tgt_in, enc_out, h, src != PAD)
    loss = F.cross_entropy(logits.reshape(-1, len(itos)), tgt.reshape(-1), ignore_index=PAD)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    if step % 200 == 0:
        encoder.eval()
        decoder.eval()
        with torch.no_grad():
            vs, vt = batch(256)
            vin = torch.cat([torch.full((256, 1), SOS), vt[:, :-1]], 1)
            eo, vh = encoder(vs)
            pred = decoder(vin, eo, vh, vs != PAD).argmax(-1)
            seq_acc = ((pred == vt) | (vt == PAD)).all(1).float().mean().item()
        print(f"step {step}: loss {loss.item():.4f} exact-match {seq_acc:.3f}")
