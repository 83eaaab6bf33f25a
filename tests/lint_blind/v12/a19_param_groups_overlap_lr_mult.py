# expect: TVL006
# style: HF-style BERT-ish sentence classifier, hand-written loop, param-group helper with head LR multiplier
# bug: get_param_groups() puts all model parameters in the base group and the classifier parameters again in a 10x group, so the classifier parameters appear in two groups
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class PairDataset(Dataset):
    def __init__(self, n, seq_len=96, vocab=30522):
        self.ids = torch.randint(1000, vocab, (n, seq_len))
        self.lens = torch.randint(seq_len // 3, seq_len, (n,))
        self.labels = torch.randint(0, 3, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        ids = self.ids[i].clone()
        mask = torch.arange(ids.size(0)) < self.lens[i]
        ids[~mask] = 0
        return {"input_ids": ids, "attention_mask": mask, "labels": self.labels[i]}


class TinyEncoder(nn.Module):
    def __init__(self, vocab=30522, d=256, layers=4, heads=4, max_len=512):
        super().__init__()
        self.word = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Embedding(max_len, d)
        self.norm = nn.LayerNorm(d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, activation="gelu", batch_first=True)
        self.layers = nn.TransformerEncoder(layer, layers)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        h = self.norm(self.word(input_ids) + self.pos(pos))
        return self.layers(h, src_key_padding_mask=~attention_mask)


class SequenceClassifier(nn.Module):
    def __init__(self, n_labels=3, d=256):
        super().__init__()
        self.encoder = TinyEncoder(d=d)
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(d, n_labels)

    def forward(self, input_ids, attention_mask, labels=None):
        h = self.encoder(input_ids, attention_mask)
        m = attention_mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        logits = self.classifier(self.dropout(pooled))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return loss, logits


def get_param_groups(model, base_lr, head_lr_mult, weight_decay):
    return [
        {"params": [p for p in model.parameters() if p.requires_grad], "lr": base_lr, "weight_decay": weight_decay},
        {"params": list(model.classifier.parameters()), "lr": base_lr * head_lr_mult, "weight_decay": 0.0},
    ]


def linear_warmup_decay(step, warmup, total):
    if step < warmup:
        return step / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--head-lr-mult", type=float, default=10.0)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--warmup-ratio", type=float, default=0.06)
    args = ap.parse_args()

    model = SequenceClassifier()
    optimizer = torch.optim.AdamW(get_param_groups(model, args.lr, args.head_lr_mult, 0.01))
    train_dl = DataLoader(PairDataset(8000), batch_size=args.batch_size, shuffle=True)
    dev_dl = DataLoader(PairDataset(1000), batch_size=128)
    total = args.epochs * len(train_dl)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: linear_warmup_decay(s, int(args.warmup_ratio * total), total))

    step = 0
    for epoch in range(args.epochs):
        model.train()
        for batch in train_dl:
            loss, _ = model(**batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{total} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.2e}")
        model.eval()
        correct = n = 0
        dev_loss = 0.0
        with torch.no_grad():
            for batch in dev_dl:
                l, logits = model(**batch)
                dev_loss += l.item()
                correct += (logits.argmax(-1) == batch["labels"]).sum().item()
                n += len(batch["labels"])
        print(f"epoch {epoch} dev loss {dev_loss / len(dev_dl):.4f} acc {correct / n:.4f} ppl {math.exp(dev_loss / len(dev_dl)):.2f}")


if __name__ == "__main__":
    main()
