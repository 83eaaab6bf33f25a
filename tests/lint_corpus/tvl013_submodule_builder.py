# expect: TVL013
# A wav2vec-ish model whose feature extractor comes from a builder function and is run with
# `.forward(...)` inside the parent's forward: its hooks (and any pruning/quantization) are skipped.
import torch.nn as nn


def conv_stack(channels):
    return nn.Sequential(*[nn.Conv1d(c_in, c_out, 3, 2) for c_in, c_out in zip(channels, channels[1:])])


class SpeechEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = conv_stack([1, 32, 64])
        self.proj = nn.Linear(64, 256)

    def forward(self, wav):
        feats = self.features.forward(wav.unsqueeze(1))
        return self.proj(feats.mean(-1))
