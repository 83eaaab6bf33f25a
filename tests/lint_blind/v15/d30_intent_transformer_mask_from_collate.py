# expect: TVL010
# style: intent classification with nn.TransformerEncoder; HF-style collate producing attention_mask (1 = real token)
# bug: the encoder is given src_key_padding_mask=attention_mask.bool(), but the HF-style mask is True for real tokens while PyTorch's key_padding_mask means True = ignore, so every query attends only to padding
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("intent")
MAX_LEN = 48
PAD_ID = 0
CLS_ID = 1

INTENTS = ["book_flight", "cancel", "weather", "play_music", "set_alarm", "greeting"]


class Utterances(Dataset):
    def __init__(self, n, vocab, seed):
        rnd = random.Random(seed)
        self.rows = []
        for _ in range(n):
            label = rnd.randrange(len(INTENTS))
            L = rnd.randint(4, 30)
            toks = [rnd.randint(10, vocab - 1) for _ in range(L)]
            toks[rnd.randrange(L)] = 2 + label
            self.rows.append((toks, label))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def pad_collate(batch):
    """Pads every sequence to MAX_LEN like tokenizer(padding='max_length')."""
    ids = torch.full((len(batch), MAX_LEN), PAD_ID, dtype=torch.long)
    attention_mask = torch.zeros(len(batch), MAX_LEN, dtype=torch.long)
    labels = torch.tensor([lab for _, lab in batch])
    for k, (toks, _) in enumerate(batch):
        seq = [CLS_ID] + toks[: MAX_LEN - 1]
        ids[k, : len(seq)] = torch.tensor(seq)
        attention_mask[k, : len(seq)] = 1
    return {"input_ids": ids, "attention_mask": attention_mask, "labels": labels}


class IntentEncoder(nn.Module):
    def __init__(self, vocab, d=128, layers=3, heads=4, n_classes=len(INTENTS)):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.pos = nn.Parameter(torch.zeros(1, MAX_LEN, d))
        nn.init.trunc_normal_(self.pos, std=0.02)
        enc_layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers, enable_nested_tensor=False)
        self.cls = nn.Linear(d, n_classes)

    def forward(self, input_ids, attention_mask):
        h = self.emb(input_ids) + self.pos[:, : input_ids.size(1)]
        h = self.encoder(h, src_key_padding_mask=attention_mask.bool())
        return self.cls(h[:, 0])


def run_eval(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for b in loader:
            pred = model(b["input_ids"], b["attention_mask"]).argmax(-1)
            correct += (pred == b["labels"]).sum().item()
            n += len(pred)
    return correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)

    train_dl = DataLoader(Utterances(8000, args.vocab, 0), batch_size=64, shuffle=True, collate_fn=pad_collate)
    dev_dl = DataLoader(Utterances(1000, args.vocab, 1), batch_size=256, collate_fn=pad_collate)
    model = IntentEncoder(args.vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    total = args.epochs * len(train_dl)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.1)

    for epoch in range(args.epochs):
        model.train()
        for step, b in enumerate(train_dl):
            logits = model(b["input_ids"], b["attention_mask"])
            loss = F.cross_entropy(logits, b["labels"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if step % 50 == 0:
                logger.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
        logger.info("epoch %d dev acc %.4f", epoch, run_eval(model, dev_dl))
    torch.save(model.state_dict(), "intent_encoder.pt")


if __name__ == "__main__":
    main()
