# expect: TVL010
# style: translation seq2seq with nn.Transformer; masks built in the collate function
# bug: `collate` builds the padding masks as `tokens != PAD` (True = keep) and the model passes them as src/tgt/memory_key_padding_mask, where True means "ignore"
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

PAD, BOS, EOS = 0, 1, 2
SRC_V, TGT_V = 5000, 5200


def make_pairs(n=2000):
    pairs = []
    for _ in range(n):
        ls, lt = torch.randint(5, 30, (2,)).tolist()
        src = torch.cat([torch.randint(3, SRC_V, (ls,)), torch.tensor([EOS])])
        tgt = torch.cat([torch.tensor([BOS]), torch.randint(3, TGT_V, (lt,)), torch.tensor([EOS])])
        pairs.append((src, tgt))
    return pairs


def collate(batch):
    src = pad_sequence([b[0] for b in batch], batch_first=True, padding_value=PAD)
    tgt = pad_sequence([b[1] for b in batch], batch_first=True, padding_value=PAD)
    return {"src": src, "tgt_in": tgt[:, :-1], "tgt_out": tgt[:, 1:],
            "src_mask": src != PAD, "tgt_mask": tgt[:, :-1] != PAD}


class Seq2Seq(nn.Module):
    def __init__(self, d=256, heads=8, layers=3):
        super().__init__()
        self.src_emb = nn.Embedding(SRC_V, d, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(TGT_V, d, padding_idx=PAD)
        self.pos = nn.Embedding(256, d)
        self.tf = nn.Transformer(d, heads, layers, layers, 4 * d, 0.1, batch_first=True)
        self.gen = nn.Linear(d, TGT_V)

    def embed(self, emb, ids):
        return emb(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))

    def forward(self, b):
        causal = self.tf.generate_square_subsequent_mask(b["tgt_in"].size(1))
        out = self.tf(self.embed(self.src_emb, b["src"]), self.embed(self.tgt_emb, b["tgt_in"]),
                      tgt_mask=causal,
                      src_key_padding_mask=b["src_mask"],
                      tgt_key_padding_mask=b["tgt_mask"],
                      memory_key_padding_mask=b["src_mask"])
        return self.gen(out)


def main():
    loader = DataLoader(make_pairs(), batch_size=32, shuffle=True, collate_fn=collate)
    model = Seq2Seq()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4, betas=(0.9, 0.98), eps=1e-9)
    for epoch in range(4):
        model.train()
        tot, toks = 0.0, 0
        for b in loader:
            logits = model(b)
            loss = F.cross_entropy(logits.reshape(-1, TGT_V), b["tgt_out"].reshape(-1),
                                   ignore_index=PAD, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            n = (b["tgt_out"] != PAD).sum().item()
            tot += loss.item() * n
            toks += n
        print(f"epoch {epoch} token loss {tot/toks:.4f}")


if __name__ == "__main__":
    main()
