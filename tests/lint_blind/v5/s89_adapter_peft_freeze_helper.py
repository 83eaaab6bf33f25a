# expect: clean
# style: parameter-efficient fine-tuning by hand (bottleneck adapters inserted into a pretrained encoder), helpers mark_only_adapters_trainable() / trainable_parameters()
# note: the base encoder is frozen in a helper (requires_grad_(False)) before the optimizer is built from trainable_parameters(), so an optimizer over part of the model is correct here
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Adapter(nn.Module):
    def __init__(self, d, r=16):
        super().__init__()
        self.down, self.up = nn.Linear(d, r), nn.Linear(r, d)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x):
        return x + self.up(F.gelu(self.down(x)))


class EncoderLayerWithAdapter(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(d, heads, 4 * d, batch_first=True)
        self.adapter = Adapter(d)

    def forward(self, x, pad_mask):
        return self.adapter(self.layer(x, src_key_padding_mask=pad_mask))


class AdapterClassifier(nn.Module):
    def __init__(self, vocab=30000, d=256, heads=4, layers=4, n_labels=5):
        super().__init__()
        self.embed = nn.Embedding(vocab, d, padding_idx=0)
        self.layers = nn.ModuleList(EncoderLayerWithAdapter(d, heads) for _ in range(layers))
        self.classifier = nn.Linear(d, n_labels)

    def forward(self, ids):
        pad_mask = ids == 0
        x = self.embed(ids)
        for layer in self.layers:
            x = layer(x, pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        return self.classifier((x * keep).sum(1) / keep.sum(1).clamp(min=1))


def mark_only_adapters_trainable(model):
    for name, p in model.named_parameters():
        p.requires_grad_("adapter" in name or name.startswith("classifier"))


def trainable_parameters(model):
    return [p for p in model.parameters() if p.requires_grad]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    model = AdapterClassifier()
    mark_only_adapters_trainable(model)
    params = trainable_parameters(model)
    print(f"trainable: {sum(p.numel() for p in params)} / {sum(p.numel() for p in model.parameters())}")
    optimizer = torch.optim.AdamW(params, lr=args.lr)
    ids = torch.randint(1, 30000, (3000, 64))
    ids[:, 48:] = 0
    loader = DataLoader(TensorDataset(ids, torch.randint(0, 5, (3000,))), batch_size=32, shuffle=True)
    for epoch in range(args.epochs):
        model.train()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: loss {loss.item():.4f}")
