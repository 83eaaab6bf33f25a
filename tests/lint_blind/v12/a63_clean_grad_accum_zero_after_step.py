# expect: clean
# style: HF-like hand-written fine-tuning loop with gradient accumulation, extractive QA head
# note: gradients are deliberately not cleared every micro-batch (accumulation); zero_grad() runs right after optimizer.step() every accum_steps batches, and the LR scheduler is a per-step warmup/linear decay
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("qa")


class QAModel(nn.Module):
    def __init__(self, vocab=30522, d=256, layers=4, heads=4, max_len=384):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Embedding(max_len, d)
        enc = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(enc, layers)
        self.qa_outputs = nn.Linear(d, 2)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        h = self.encoder(self.emb(input_ids) + self.pos(pos), src_key_padding_mask=attention_mask == 0)
        start, end = self.qa_outputs(h).unbind(-1)
        neg = torch.finfo(start.dtype).min
        return start.masked_fill(attention_mask == 0, neg), end.masked_fill(attention_mask == 0, neg)


def get_linear_schedule_with_warmup(optimizer, warmup, total):
    def fn(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, fn)


def synth(n, L=384):
    ids = torch.randint(1000, 30522, (n, L))
    lens = torch.randint(200, L, (n,))
    mask = (torch.arange(L)[None] < lens[:, None]).long()
    ids = ids * mask
    start = (torch.rand(n) * (lens - 20).float()).long()
    end = start + torch.randint(0, 15, (n,))
    return TensorDataset(ids, mask, start, end)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--per-device-batch", type=int, default=8)
    ap.add_argument("--accum", type=int, default=4)
    ap.add_argument("--lr", type=float, default=5e-5)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    loader = DataLoader(synth(4000), batch_size=args.per_device_batch, shuffle=True, drop_last=True)
    model = QAModel()
    no_decay = ("bias", "norm")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    updates = math.ceil(len(loader) / args.accum) * args.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.1 * updates), updates)

    step = 0
    model.train()
    optimizer.zero_grad()
    for epoch in range(args.epochs):
        for i, (ids, mask, s, e) in enumerate(loader):
            start_logits, end_logits = model(ids, mask)
            loss = (F.cross_entropy(start_logits, s) + F.cross_entropy(end_logits, e)) / 2
            (loss / args.accum).backward()
            if (i + 1) % args.accum == 0 or i + 1 == len(loader):
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                step += 1
                if step % 25 == 0:
                    logger.info("epoch %d update %d/%d loss %.4f lr %.2e", epoch, step, updates, loss.item(),
                                scheduler.get_last_lr()[0])
    torch.save(model.state_dict(), "qa_model.bin")


if __name__ == "__main__":
    main()
