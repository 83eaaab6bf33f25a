# expect: TVL005
# Per-language output projections put into a dict attribute one key at a time.
import torch.nn as nn


class Translator(nn.Module):
    def __init__(self, langs, d=64):
        super().__init__()
        self.embed = nn.Embedding(1000, d)
        self.proj = {}
        for lang, vocab in langs.items():
            self.proj[lang] = nn.Linear(d, vocab)

    def forward(self, tokens, lang):
        return self.proj[lang](self.embed(tokens))
