# expect: TVL010
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d, pad_id):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d, 8, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 6)
        self.pad_id = pad_id

    def forward(self, tokens, emb):
        keep = tokens != self.pad_id
        return self.encoder(emb, src_key_padding_mask=keep)
