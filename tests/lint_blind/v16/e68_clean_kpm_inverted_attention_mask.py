# expect: clean
# style: nn.TransformerEncoder over tokenizer output, collate returns HF attention_mask, model builds key_padding_mask with ~
# note: the batch carries attention_mask with 1 = keep, and the model passes src_key_padding_mask = ~attention_mask.bool() (True = pad = ignore), the correct nn.Transformer convention
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("nli")
PAD_ID = 0


class NLIPairs(Dataset):
    def __init__(self, n, vocab=15000, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.rows = []
        for _ in range(n):
            la, lb = torch.randint(4, 30, (2,), generator=g).tolist()
            premise = torch.randint(4, vocab, (la,), generator=g)
            hyp = torch.randint(4, vocab, (lb,), generator=g)
            label = int(torch.randint(0, 3, (1,), generator=g))
            self.rows.append((torch.cat([torch.tensor([1]), premise, torch.tensor([2]), hyp, torch.tensor([2])]), label))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(batch):
    seqs, labels = zip(*batch)
    ids = nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=PAD_ID)
    return {"input_ids": ids, "attention_mask": (ids != PAD_ID).long(), "labels": torch.tensor(labels)}


class NLIEncoder(nn.Module):
    def __init__(self, vocab=15000, d=256, heads=8, layers=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.pos = nn.Embedding(128, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True, activation="gelu")
        self.enc = nn.TransformerEncoder(layer, layers)
        self.cls = nn.Linear(d, 3)

    def forward(self, input_ids, attention_mask):
        pad = ~attention_mask.bool()
        x = self.emb(input_ids) + self.pos(torch.arange(input_ids.size(1), device=input_ids.device))
        h = self.enc(x, src_key_padding_mask=pad)
        return self.cls(h[:, 0])


def evaluate(model, loader):
    model.eval()
    c = n = 0
    with torch.no_grad():
        for b in loader:
            c += (model(b["input_ids"], b["attention_mask"]).argmax(1) == b["labels"]).sum().item()
            n += len(b["labels"])
    model.train()
    return c / n


def train(epochs=4, lr=2e-4):
    train_loader = DataLoader(NLIPairs(10000), batch_size=64, shuffle=True, collate_fn=collate)
    dev_loader = DataLoader(NLIPairs(1000, seed=1), batch_size=256, collate_fn=collate)
    model = NLIEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    total = epochs * len(train_loader)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / total))
    for epoch in range(epochs):
        model.train()
        for i, b in enumerate(train_loader):
            loss = F.cross_entropy(model(b["input_ids"], b["attention_mask"]), b["labels"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if i % 100 == 0:
                logger.info("epoch %d it %d loss %.4f", epoch, i, loss.item())
        logger.info("epoch %d dev acc %.4f", epoch, evaluate(model, dev_loader))
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    torch.save(train().state_dict(), "nli_encoder.pt")
