# expect: TVL001
# style: research repo, argparse, transformer text classifier fine-tune
# bug: the encoder (in the optimizer, not frozen) runs inside a @torch.no_grad() encode() helper, so only the pooler/classifier head ever receives gradients
import argparse
import logging
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("finetune")


class ToyReviews(Dataset):
    def __init__(self, n=2048, vocab=5000, max_len=64, n_classes=3, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, vocab, (n, max_len), generator=g)
        lengths = torch.randint(8, max_len, (n,), generator=g)
        self.mask = torch.arange(max_len)[None, :] < lengths[:, None]
        self.ids[~self.mask] = 0
        self.labels = torch.randint(0, n_classes, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i], "label": self.labels[i]}


class TextEncoder(nn.Module):
    def __init__(self, vocab, dim=256, layers=4, heads=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim, padding_idx=0)
        self.pos = nn.Embedding(512, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 4, dropout=0.1, batch_first=True)
        self.layers = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(dim)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        h = self.tok(input_ids) + self.pos(pos)[None]
        h = self.layers(h, src_key_padding_mask=~attention_mask)
        return self.norm(h)


class Classifier(nn.Module):
    def __init__(self, encoder, dim, n_classes):
        super().__init__()
        self.encoder = encoder
        self.pooler = nn.Sequential(nn.Linear(dim, dim), nn.Tanh())
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(dim, n_classes)

    @torch.no_grad()
    def encode(self, input_ids, attention_mask):
        # cache-friendly pooled representation (also used by the retrieval demo)
        h = self.encoder(input_ids, attention_mask)
        m = attention_mask.unsqueeze(-1).float()
        return (h * m).sum(1) / m.sum(1).clamp(min=1.0)

    def forward(self, input_ids, attention_mask):
        pooled = self.encode(input_ids, attention_mask)
        return self.out(self.dropout(self.pooler(pooled)))


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--bs", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-5)
    p.add_argument("--warmup", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=13)
    return p.parse_args()


def evaluate(model, loader, device):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for b in loader:
            logits = model(b["input_ids"].to(device), b["attention_mask"].to(device))
            correct += (logits.argmax(-1).cpu() == b["label"]).sum().item()
            total += b["label"].numel()
    return correct / max(total, 1)


def main():
    args = get_args()
    logging.basicConfig(level=logging.INFO)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(ToyReviews(seed=1), batch_size=args.bs, shuffle=True, drop_last=True)
    dev_dl = DataLoader(ToyReviews(n=512, seed=2), batch_size=64)

    model = Classifier(TextEncoder(5000), 256, 3).to(device)
    no_decay = ["bias", "norm"]
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr)
    total_steps = args.epochs * len(train_dl)
    warm = int(args.warmup * total_steps)

    def lr_lambda(step):
        if step < warm:
            return step / max(1, warm)
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total_steps - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for b in train_dl:
            logits = model(b["input_ids"].to(device), b["attention_mask"].to(device))
            loss = F.cross_entropy(logits, b["label"].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            running += loss.item()
            step += 1
            if step % 50 == 0:
                logger.info("step %d loss %.4f lr %.2e", step, running / 50, sched.get_last_lr()[0])
                running = 0.0
        acc = evaluate(model, dev_dl, device)
        logger.info("epoch %d dev acc %.4f", epoch, acc)
    torch.save(model.state_dict(), "clf.pt")


if __name__ == "__main__":
    main()
