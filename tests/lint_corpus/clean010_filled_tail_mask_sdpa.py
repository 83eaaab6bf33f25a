# expect: clean
# The mask starts all-False and each row's head (its real tokens) is set True: what SDPA may attend.
import torch
import torch.nn.functional as F
from torch import nn


def collate_reads(batch):
    reads, labels = zip(*batch)
    longest = max(r.numel() for r in reads)
    tokens = torch.zeros(len(reads), longest, dtype=torch.long)
    padded = torch.zeros(len(reads), longest, dtype=torch.bool)
    for row, read in enumerate(reads):
        tokens[row, : read.numel()] = read
        padded[row, : read.numel()] = True
    return tokens, padded, torch.stack(labels)


class ReadClassifier(nn.Module):
    def __init__(self, width=64, heads=4):
        super().__init__()
        self.heads = heads
        self.embed = nn.Embedding(5, width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, 2)

    def forward(self, tokens, padded):
        h = self.embed(tokens)
        b, t, w = h.shape
        q, k, v = self.qkv(h).view(b, t, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        h = F.scaled_dot_product_attention(q, k, v, attn_mask=padded[:, None, None, :])
        return self.out(h.mean(dim=(1, 2)))


def fit(dataset):
    model = ReadClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True, collate_fn=collate_reads)
    for tokens, padded, labels in loader:
        loss = F.cross_entropy(model(tokens, padded), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
