# expect: TVL006
# style: PEFT-like adapter fine-tuning with a config dataclass and separate setup functions (NLP)
# bug: make_optimizer selects only parameters whose names match cfg.trainable_patterns (the adapters), but setup_model never sets requires_grad=False on the base transformer, so the base gets gradients that are never applied.
import re
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class PeftConfig:
    vocab: int = 30000
    d_model: int = 256
    n_layers: int = 4
    bottleneck: int = 32
    num_labels: int = 2
    lr: float = 1e-3
    epochs: int = 3
    trainable_patterns: list = field(default_factory=lambda: [r"adapter", r"classifier"])


class Adapter(nn.Module):
    def __init__(self, d, r):
        super().__init__()
        self.down = nn.Linear(d, r)
        self.up = nn.Linear(r, d)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x):
        return x + self.up(F.gelu(self.down(x)))


class AdaptedLayer(nn.Module):
    def __init__(self, d, r):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True)
        self.adapter = Adapter(d, r)

    def forward(self, x, pad_mask):
        return self.adapter(self.layer(x, src_key_padding_mask=pad_mask))


class AdaptedEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab, cfg.d_model, padding_idx=0)
        self.layers = nn.ModuleList([AdaptedLayer(cfg.d_model, cfg.bottleneck) for _ in range(cfg.n_layers)])
        self.classifier = nn.Linear(cfg.d_model, cfg.num_labels)

    def forward(self, ids):
        pad_mask = ids == 0
        x = self.embed(ids)
        for layer in self.layers:
            x = layer(x, pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        return self.classifier((x * keep).sum(1) / keep.sum(1).clamp_min(1))


def setup_model(cfg):
    model = AdaptedEncoder(cfg)
    # base weights would be loaded here from a pretrained checkpoint
    return model


def make_optimizer(model, cfg):
    pats = [re.compile(p) for p in cfg.trainable_patterns]
    params = [p for n, p in model.named_parameters() if any(r.search(n) for r in pats)]
    print(f"optimizing {sum(p.numel() for p in params):,} / {sum(p.numel() for p in model.parameters()):,} params")
    return torch.optim.AdamW(params, lr=cfg.lr)


def main(cfg=PeftConfig()):
    model = setup_model(cfg)
    opt = make_optimizer(model, cfg)
    ids = torch.randint(1, cfg.vocab, (2000, 64))
    ids[:, 48:] = 0
    dl = DataLoader(TensorDataset(ids, torch.randint(0, 2, (2000,))), batch_size=32, shuffle=True)
    for epoch in range(cfg.epochs):
        model.train()
        total = 0.0
        for x, y in dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item()
        print(f"epoch {epoch} loss {total / len(dl):.4f}")


if __name__ == "__main__":
    main()
