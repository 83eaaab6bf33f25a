# expect: TVL010
# No collate function: the dataset's __getitem__ returns the padded ids with a mask that is True
# on real tokens, and the default collate stacks it. The loop unpacks the batch, moves the mask
# to the device and gives it to nn.TransformerEncoder as src_key_padding_mask.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class FixedLengthText(Dataset):
    def __init__(self, seqs, width=64, pad=1):
        self.seqs, self.width, self.pad = seqs, width, pad

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        ids = torch.full((self.width,), self.pad)
        seq = self.seqs[i][: self.width]
        ids[: len(seq)] = seq
        return ids, ids != self.pad, torch.tensor(len(seq) % 2)


encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(96, 4, batch_first=True), 3)
embed, head = nn.Embedding(30000, 96), nn.Linear(96, 2)
loader = DataLoader(FixedLengthText(corpus), batch_size=32, shuffle=True)
for batch in loader:
    ids, mask, y = batch
    mask = mask.to(device)
    h = encoder(embed(ids.to(device)), src_key_padding_mask=mask)
    loss = nn.functional.cross_entropy(head(h[:, 0]), y.to(device))
    opt.zero_grad()
    loss.backward()
    opt.step()
