# expect: clean
import torch
import torch.nn as nn


class FrameEncoder(nn.Module):
    def __init__(self, d=64, n_layers=2):
        super().__init__()
        self.blocks = nn.ModuleList([nn.MultiheadAttention(d, 4, batch_first=True) for _ in range(n_layers)])
        self.out = nn.Linear(d, 10)

    def forward(self, frames, lengths):
        valid = torch.arange(frames.size(1))[None, :] < lengths[:, None]
        h = frames
        for block in self.blocks:
            a, _ = block(h, h, h, key_padding_mask=~valid)
            h = h + a
        return self.out(h.mean(1))


enc = FrameEncoder()
opt = torch.optim.Adam(enc.parameters(), lr=1e-3)
for _ in range(5):
    frames, lengths = torch.randn(4, 50, 64), torch.randint(10, 50, (4,))
    loss = nn.functional.cross_entropy(enc(frames, lengths), torch.randint(0, 10, (4,)))
    opt.zero_grad()
    loss.backward()
    opt.step()
