# expect: clean
"""Speech encoder (conformer-lite) whose padding mask comes from frame lengths through two
helpers: `padded_frames()` is True on padding, which is what it is handed to nn.MultiheadAttention as
`key_padding_mask`, where True means *ignore* (right)."""
import torch
from torch import nn


def frame_positions(n_frames):
    return torch.arange(n_frames)


def padded_frames(frame_lens, n_frames):
    pos = frame_positions(n_frames)
    return pos.unsqueeze(0) >= frame_lens.unsqueeze(1)


class Block(nn.Module):
    def __init__(self, dim=144, heads=4):
        super().__init__()
        self.mha = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ff = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 4 * dim), nn.SiLU(), nn.Linear(4 * dim, dim))

    def forward(self, feats, frame_mask):
        out, _ = self.mha(feats, feats, feats, key_padding_mask=frame_mask)
        feats = feats + out
        return feats + self.ff(feats)


class Encoder(nn.Module):
    def __init__(self, n_mels=80, dim=144, depth=3):
        super().__init__()
        self.proj = nn.Linear(n_mels, dim)
        self.blocks = nn.ModuleList(Block(dim) for _ in range(depth))

    def forward(self, mels, frame_lens):
        h = self.proj(mels)
        frame_mask = padded_frames(frame_lens, mels.shape[1])
        for blk in self.blocks:
            h = blk(h, frame_mask)
        return h
