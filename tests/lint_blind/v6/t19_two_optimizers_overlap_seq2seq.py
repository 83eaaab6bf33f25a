# expect: TVL006
# style: research repo with an optimizer factory, seq2seq GRU translation model
# bug: make_optimizers() returns an Adam over the encoder and an SGD over model.parameters(), which also contains the encoder, so encoder weights are updated twice per step by two optimizers.
import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, BOS, EOS = 0, 1, 2
SRC_V, TGT_V = 3000, 3500


class Encoder(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.emb = nn.Embedding(SRC_V, dim, padding_idx=PAD)
        self.rnn = nn.GRU(dim, dim, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * dim, dim)

    def forward(self, src):
        out, h = self.rnn(self.emb(src))
        h = torch.tanh(self.bridge(torch.cat([h[0], h[1]], dim=-1)))
        return out, h.unsqueeze(0)


class Decoder(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.emb = nn.Embedding(TGT_V, dim, padding_idx=PAD)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, TGT_V)

    def forward(self, tgt_in, h):
        o, _ = self.rnn(self.emb(tgt_in), h)
        return self.out(o)


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()

    def forward(self, src, tgt_in):
        _, h = self.encoder(src)
        return self.decoder(tgt_in, h)


def make_optimizers(model, cfg):
    # encoder likes Adam, the rest is happy with plain SGD
    enc_opt = torch.optim.Adam(model.encoder.parameters(), lr=cfg["enc_lr"])
    main_opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    return [enc_opt, main_opt]


def fake_pair_batch(bs=64, slen=20, tlen=22):
    src = torch.randint(3, SRC_V, (bs, slen))
    tgt = torch.randint(3, TGT_V, (bs, tlen))
    tgt[:, 0] = BOS
    tgt[:, -1] = EOS
    return src, tgt


def train(cfg):
    model = Seq2Seq()
    optimizers = make_optimizers(model, cfg)
    model.train()
    for step in range(cfg["steps"]):
        src, tgt = fake_pair_batch()
        logits = model(src, tgt[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, TGT_V), tgt[:, 1:].reshape(-1), ignore_index=PAD)
        for opt in optimizers:
            opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for opt in optimizers:
            opt.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.3f} ppl {loss.exp().item():.1f}")
    return model


if __name__ == "__main__":
    train({"enc_lr": 1e-3, "lr": 0.1, "steps": 1000})
