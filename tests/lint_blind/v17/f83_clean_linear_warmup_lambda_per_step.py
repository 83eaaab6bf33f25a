# expect: clean
# style: hand-written HF-style fine-tuning loop with get_linear_schedule_with_warmup re-implemented via LambdaLR
# note: a LambdaLR is stepped after every optimizer step; its lambda is defined over optimisation steps (warmup + linear decay to num_training_steps), so per-batch stepping is the intended use.
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import DataLoader, Dataset


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps):
    def lr_lambda(step):
        if step < num_warmup_steps:
            return float(step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - step) / float(max(1, num_training_steps - num_warmup_steps)))
    return LambdaLR(optimizer, lr_lambda)


class NLIPairs(Dataset):
    def __init__(self, n, vocab=6000, seq=64, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(3, vocab, (n, seq), generator=g)
        self.labels = torch.randint(0, 3, (n,), generator=g)
        self.ids[:, 1] = self.labels + 3
        self.ids[:, 0] = 1  # [CLS]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.labels[i]}


class MiniBert(nn.Module):
    def __init__(self, vocab=6000, d=256, layers=4, heads=4, seq=64, n_labels=3):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(seq, d)
        self.ln = nn.LayerNorm(d)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, activation="gelu",
                                                                        batch_first=True), layers)
        self.classifier = nn.Sequential(nn.Dropout(0.1), nn.Linear(d, n_labels))

    def forward(self, input_ids, labels=None):
        x = self.ln(self.tok(input_ids) + self.pos(torch.arange(input_ids.size(1), device=input_ids.device)))
        logits = self.classifier(self.encoder(x)[:, 0])
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return loss, logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(NLIPairs(20000), batch_size=args.bs, shuffle=True)
    eval_dl = DataLoader(NLIPairs(2000, seed=1), batch_size=128)
    model = MiniBert().to(device)
    no_decay = ["bias", "ln.weight", "norm"]
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    num_training_steps = args.epochs * len(train_dl)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * num_training_steps), num_training_steps)
    step, t0 = 0, time.time()
    for epoch in range(args.epochs):
        model.train()
        for batch in train_dl:
            batch = {k: v.to(device) for k, v in batch.items()}
            loss, _ = model(**batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{num_training_steps} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.2e} "
                      f"{time.time() - t0:.0f}s")
        model.eval()
        correct = 0
        with torch.no_grad():
            for batch in eval_dl:
                _, logits = model(batch["input_ids"].to(device))
                correct += (logits.argmax(-1).cpu() == batch["labels"]).sum().item()
        print(f"epoch {epoch} eval_acc {correct / len(eval_dl.dataset):.4f} (ppl n/a, {math.nan})")


if __name__ == "__main__":
    main()
