# expect: clean
# Text classifier: the collate_fn returns a dict whose "pad" field is True on padding;
# forward takes the whole batch dict and hands that field to the encoder as the padding mask.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

PAD_ID = 0


def to_batch(samples):
    ids = pad_sequence([s[0] for s in samples], batch_first=True, padding_value=PAD_ID)
    return {"ids": ids, "pad": ids == PAD_ID, "label": torch.tensor([s[1] for s in samples])}


class Tagger(nn.Module):
    def __init__(self, vocab=800, width=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, width, padding_idx=PAD_ID)
        layer = nn.TransformerEncoderLayer(width, 4, 128, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.out = nn.Linear(width, 3)

    def forward(self, batch):
        h = self.enc(self.emb(batch["ids"]), src_key_padding_mask=batch["pad"])
        return self.out(h.mean(dim=1))


data = [(torch.randint(1, 800, (int(n),)), int(n) % 3) for n in torch.randint(4, 20, (300,))]
tagger = Tagger()
opt = torch.optim.AdamW(tagger.parameters(), lr=5e-4)
for batch in DataLoader(data, batch_size=24, shuffle=True, collate_fn=to_batch):
    loss = F.cross_entropy(tagger(batch), batch["label"])
    opt.zero_grad()
    loss.backward()
    opt.step()
