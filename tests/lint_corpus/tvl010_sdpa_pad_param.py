# expect: TVL010
import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_IDX = 1


def padding_positions(tokens):
    return tokens.eq(PAD_IDX).unsqueeze(1).unsqueeze(2)


class SelfAttention(nn.Module):
    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.to_qkv = nn.Linear(dim, dim * 3)

    def forward(self, x, attn_mask=None):
        b, n, d = x.shape
        q, k, v = self.to_qkv(x).chunk(3, dim=-1)
        q, k, v = (t.view(b, n, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return out.transpose(1, 2).reshape(b, n, d)


class Classifier(nn.Module):
    def __init__(self, vocab=100, dim=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=PAD_IDX)
        self.block = SelfAttention(dim)
        self.head = nn.Linear(dim, 2)

    def forward(self, tokens):
        return self.head(self.block(self.embed(tokens), attn_mask=padding_positions(tokens)).mean(1))


clf = Classifier()
opt = torch.optim.SGD(clf.parameters(), lr=0.1)
tokens = torch.randint(2, 100, (8, 12))
tokens[:, 9:] = PAD_IDX
loss = F.cross_entropy(clf(tokens), torch.randint(0, 2, (8,)))
loss.backward()
opt.step()
