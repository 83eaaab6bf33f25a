# expect: clean
# The mixer inverts the padding mask before SDPA, so True marks the frames that may be attended.
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader


def pad_clips(items):
    clips, labels = zip(*items)
    lens = torch.tensor([c.shape[0] for c in clips])
    frames = nn.utils.rnn.pad_sequence(clips, batch_first=True)
    padded = torch.arange(frames.shape[1])[None, :] >= lens[:, None]
    return frames, padded, torch.tensor(labels)


class Mixer(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)

    def forward(self, h, padded):
        b, t, w = h.shape
        q, k, v = self.qkv(h).reshape(b, t, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        bias = padded.unsqueeze(1).unsqueeze(2)  # (b, 1, 1, t) over heads and queries
        mixed = F.scaled_dot_product_attention(q, k, v, attn_mask=~bias)
        return self.out(mixed.transpose(1, 2).reshape(b, t, w))


class Layer(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.mix = Mixer(width, heads)

    def forward(self, h, padded):
        return h + self.mix(self.norm(h), padded)


class Classifier(nn.Module):
    def __init__(self, n_mels=40, width=96, heads=4, depth=3, n_words=12):
        super().__init__()
        self.inp = nn.Linear(n_mels, width)
        self.layers = nn.ModuleList(Layer(width, heads) for _ in range(depth))
        self.cls = nn.Linear(width, n_words)

    def forward(self, frames, padded):
        h = self.inp(frames)
        for layer in self.layers:
            h = layer(h, padded)
        return self.cls(h.mean(1))


def train(dataset, epochs=3):
    loader = DataLoader(dataset, batch_size=16, shuffle=True, collate_fn=pad_clips)
    net = Classifier()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    for _ in range(epochs):
        for frames, padded, labels in loader:
            loss = F.cross_entropy(net(frames, padded), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net
