# expect: TVL010
# The collate function pads the token lists and returns a dict whose "pad_mask" is True on real
# tokens; the encoder hands that field to nn.TransformerEncoder as src_key_padding_mask.
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

PAD_ID = 0


def pad_batch(items):
    tokens = pad_sequence([t for t, _ in items], batch_first=True, padding_value=PAD_ID)
    return {"tokens": tokens, "pad_mask": tokens.ne(PAD_ID), "label": torch.tensor([y for _, y in items])}


class Tagger(nn.Module):
    def __init__(self, vocab, dim=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=PAD_ID)
        layer = nn.TransformerEncoderLayer(dim, 4, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, num_layers=2)
        self.out = nn.Linear(dim, 5)

    def forward(self, tokens, pad_mask):
        h = self.enc(self.emb(tokens), src_key_padding_mask=pad_mask)
        return self.out(h[:, 0])


tagger = Tagger(5000)
dl = DataLoader(examples, batch_size=32, shuffle=True, collate_fn=pad_batch)
for step, batch in enumerate(dl):
    loss = nn.functional.cross_entropy(tagger(batch["tokens"], batch["pad_mask"]), batch["label"])
    opt.zero_grad()
    loss.backward()
    opt.step()
