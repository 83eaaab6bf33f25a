# expect: clean
# style: HF-like fine-tuning script with a param-group builder (weight-decay split + layer-wise LR decay), token classification (NER)
# note: the optimizer gets many parameter groups built from two filters, which looks like possible overlap, but each named parameter is assigned to exactly one group (checked by an assert).
import torch
import torch.nn as nn
import torch.nn.functional as F

N_TAGS = 9
VOCAB = 8000


class TinyEncoder(nn.Module):
    def __init__(self, dim=256, layers=4):
        super().__init__()
        self.embeddings = nn.Embedding(VOCAB, dim, padding_idx=0)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(dim, 4, 4 * dim, 0.1, batch_first=True) for _ in range(layers)
        ])
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids, pad_mask):
        h = self.embeddings(ids)
        for layer in self.layers:
            h = layer(h, src_key_padding_mask=pad_mask)
        return self.norm(h)


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = TinyEncoder()
        self.classifier = nn.Linear(256, N_TAGS)

    def forward(self, ids):
        return self.classifier(self.encoder(ids, ids.eq(0)))


def build_param_groups(model, base_lr, weight_decay, decay_rate=0.8):
    n_layers = len(model.encoder.layers)
    groups = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith("encoder.embeddings"):
            depth = 0
        elif name.startswith("encoder.layers."):
            depth = int(name.split(".")[2]) + 1
        else:
            depth = n_layers + 1
        no_decay = p.ndim == 1 or name.endswith(".bias")
        key = (depth, no_decay)
        if key not in groups:
            groups[key] = {"params": [], "lr": base_lr * decay_rate ** (n_layers + 1 - depth),
                           "weight_decay": 0.0 if no_decay else weight_decay}
        groups[key]["params"].append(p)
    flat = [id(p) for g in groups.values() for p in g["params"]]
    assert len(flat) == len(set(flat)) == sum(1 for p in model.parameters() if p.requires_grad)
    return list(groups.values())


def fake_batch(bs=16, seq=48):
    ids = torch.randint(1, VOCAB, (bs, seq))
    lens = torch.randint(10, seq + 1, (bs,))
    pad = torch.arange(seq)[None] >= lens[:, None]
    ids[pad] = 0
    tags = torch.randint(0, N_TAGS, (bs, seq))
    tags[pad] = -100
    return ids, tags


if __name__ == "__main__":
    model = Tagger()
    optimizer = torch.optim.AdamW(build_param_groups(model, 5e-4, 0.01))
    model.train()
    for step in range(1500):
        ids, tags = fake_batch()
        logits = model(ids)
        loss = F.cross_entropy(logits.view(-1, N_TAGS), tags.view(-1), ignore_index=-100)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.4f}")
