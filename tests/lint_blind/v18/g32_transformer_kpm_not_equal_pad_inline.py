# expect: TVL010
# style: bioinformatics notebook, protein sequence family classifier with nn.TransformerEncoder
# bug: src_key_padding_mask is computed as (tokens != PAD), i.e. True at real residues, but nn.TransformerEncoder treats True as "ignore", so attention only sees padding.
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

AMINO = "ACDEFGHIKLMNPQRSTVWY"
PAD = 0
SEQ_LEN = 160
N_FAMILIES = 6
random.seed(1)
torch.manual_seed(1)

motifs = ["".join(random.choice(AMINO) for _ in range(8)) for _ in range(N_FAMILIES)]


def random_protein(family):
    L = random.randint(40, SEQ_LEN - 10)
    seq = [random.choice(AMINO) for _ in range(L)]
    pos = random.randint(0, L - 8)
    seq[pos:pos + 8] = list(motifs[family])
    return seq


def encode(seq):
    ids = [AMINO.index(a) + 1 for a in seq]
    return ids + [PAD] * (SEQ_LEN - len(ids))


def build(n):
    fam = [random.randrange(N_FAMILIES) for _ in range(n)]
    X = torch.tensor([encode(random_protein(f)) for f in fam])
    return TensorDataset(X, torch.tensor(fam))


train_dl = DataLoader(build(4000), batch_size=64, shuffle=True)
val_dl = DataLoader(build(500), batch_size=128)


class ProteinTransformer(nn.Module):
    def __init__(self, d_model=128, nhead=8, layers=3):
        super().__init__()
        self.embed = nn.Embedding(len(AMINO) + 1, d_model, padding_idx=PAD)
        self.pos = nn.Parameter(torch.zeros(1, SEQ_LEN, d_model))
        enc_layer = nn.TransformerEncoderLayer(d_model, nhead, 256, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.classifier = nn.Linear(d_model, N_FAMILIES)

    def forward(self, tokens, key_padding_mask):
        h = self.encoder(self.embed(tokens) + self.pos, src_key_padding_mask=key_padding_mask)
        h = h.masked_fill(key_padding_mask.unsqueeze(-1), 0.0)
        return self.classifier(h.max(dim=1).values)


model = ProteinTransformer()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)
criterion = nn.CrossEntropyLoss()

for epoch in range(10):
    model.train()
    losses = []
    for tokens, fam in train_dl:
        mask = tokens != PAD
        logits = model(tokens, mask)
        loss = criterion(logits, fam)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    model.eval()
    hits = 0
    with torch.no_grad():
        for tokens, fam in val_dl:
            hits += (model(tokens, tokens != PAD).argmax(1) == fam).sum().item()
    print(f"epoch {epoch}: loss {np.mean(losses):.3f}  val acc {hits / len(val_dl.dataset):.3f}")

torch.save(model.state_dict(), "protein_family_tf.pt")
