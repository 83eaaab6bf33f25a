# expect: TVL010
"""A frame-level audio tagger: the mask compares a position index made earlier (`steps =
torch.arange(T)`) with each clip's number of frames, so it is True on real frames; it is given to
nn.MultiheadAttention as `key_padding_mask`, which ignores positions where the mask is True."""
import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, n_mels=64, dim=128, n_tags=50):
        super().__init__()
        self.inp = nn.Linear(n_mels, dim)
        self.attn = nn.MultiheadAttention(dim, 8, batch_first=True)
        self.head = nn.Linear(dim, n_tags)

    def forward(self, spec, num_frames):
        h = self.inp(spec)
        steps = torch.arange(spec.shape[1], device=spec.device)
        frame_mask = steps.unsqueeze(0) < num_frames.unsqueeze(1)
        h, _ = self.attn(h, h, h, key_padding_mask=frame_mask)
        return self.head(h.mean(1))
