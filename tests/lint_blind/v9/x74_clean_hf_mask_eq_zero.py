# expect: clean
# style: HF-style batch dict into nn.TransformerEncoder via a model wrapper for question-pair classification
# note: the HF attention_mask (1 = token) is converted with attention_mask == 0 before being passed as src_key_padding_mask, so True marks padding as PyTorch expects.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("qqp")
VOCAB, L = 20000, 96


class PairDataset(Dataset):
    def __init__(self, n):
        self.ids = torch.randint(4, VOCAB, (n, L))
        lens = torch.randint(10, L, (n,))
        self.mask = (torch.arange(L)[None] < lens[:, None]).long()
        self.ids = self.ids * self.mask
        self.type_ids = (torch.arange(L)[None] > (lens[:, None] // 2)).long() * self.mask
        self.labels = torch.randint(0, 2, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "token_type_ids": self.type_ids[i], "attention_mask": self.mask[i], "labels": self.labels[i]}


def to_key_padding_mask(attention_mask):
    return attention_mask == 0


class PairEncoder(nn.Module):
    def __init__(self, d=256, heads=8, layers=4):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, d, padding_idx=0)
        self.seg = nn.Embedding(2, d)
        self.pos = nn.Embedding(L, d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True), layers)
        self.cls = nn.Linear(d, 2)

    def forward(self, input_ids, token_type_ids, attention_mask, labels=None):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)[None]
        h = self.tok(input_ids) + self.seg(token_type_ids) + self.pos(pos)
        h = self.enc(h, src_key_padding_mask=to_key_padding_mask(attention_mask))
        logits = self.cls(h[:, 0])
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


def main(epochs=3):
    logging.basicConfig(level=logging.INFO)
    model = PairEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-4, weight_decay=0.01)
    tr = DataLoader(PairDataset(5000), batch_size=32, shuffle=True)
    va = DataLoader(PairDataset(800), batch_size=64)
    for epoch in range(epochs):
        model.train()
        for step, batch in enumerate(tr):
            out = model(**batch)
            opt.zero_grad()
            out["loss"].backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if step % 50 == 0:
                log.info("epoch %d step %d loss %.4f", epoch, step, out["loss"].item())
        model.eval()
        correct = total = 0
        with torch.no_grad():
            for batch in va:
                labels = batch.pop("labels")
                correct += (model(**batch)["logits"].argmax(-1) == labels).sum().item()
                total += len(labels)
        log.info("epoch %d val acc %.4f", epoch, correct / total)


if __name__ == "__main__":
    main()
