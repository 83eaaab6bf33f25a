# expect: clean
# The same TensorDataset storing the mask next to the tokens, True on real tokens, as
# scaled_dot_product_attention expects of a boolean attn_mask.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Mixer(nn.Module):
    def __init__(self, vocab, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.emb = nn.Embedding(vocab, dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.cls = nn.Linear(dim, 2)

    def forward(self, tokens, blank):
        b, t = tokens.shape
        q, k, v = self.qkv(self.emb(tokens)).view(b, t, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=blank[:, None, None, :])
        return self.cls(y.mean(dim=(1, 2)))


tokens = torch.randint(0, 500, (800, 40))
tokens[:, 30:] = 0
blank = tokens != 0
labels = torch.randint(0, 2, (800,))
model = Mixer(500)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for tok, blk, y in DataLoader(TensorDataset(tokens, blank, labels), batch_size=20, shuffle=True):
    loss = F.cross_entropy(model(tok, blk), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
