# expect: TVL004
# style: HF-like hand-written Trainer with eval_steps, token classification (NER) with BiLSTM+dropout
# bug: Trainer.evaluate() switches the model to eval() every eval_steps and returns without restoring train mode; train() sets model.train() only once before the epoch loop.
import logging
import math
import random
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("ner")
IGNORE = -100


@dataclass
class Args:
    epochs: int = 4
    train_bs: int = 32
    eval_bs: int = 64
    lr: float = 2e-3
    eval_steps: int = 50
    logging_steps: int = 10
    tags: list = field(default_factory=lambda: ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])


class ToyNER(Dataset):
    def __init__(self, n, vocab=2000, seed=0):
        r = random.Random(seed)
        self.data = []
        for _ in range(n):
            L = r.randint(5, 30)
            toks = [r.randint(1, vocab - 1) for _ in range(L)]
            tags = [(t % 5) if t % 3 == 0 else 0 for t in toks]
            self.data.append((toks, tags))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


def pad_collate(batch):
    L = max(len(t) for t, _ in batch)
    ids = torch.zeros(len(batch), L, dtype=torch.long)
    labels = torch.full((len(batch), L), IGNORE, dtype=torch.long)
    for i, (t, y) in enumerate(batch):
        ids[i, :len(t)] = torch.tensor(t)
        labels[i, :len(y)] = torch.tensor(y)
    return {"input_ids": ids, "labels": labels}


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab, n_tags, emb=100, hidden=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.drop = nn.Dropout(0.3)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.cls = nn.Linear(2 * hidden, n_tags)

    def forward(self, input_ids, labels=None):
        h, _ = self.lstm(self.drop(self.emb(input_ids)))
        logits = self.cls(self.drop(h))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=IGNORE)
        return loss, logits


class Trainer:
    def __init__(self, model, args, train_ds, eval_ds):
        self.model, self.args = model, args
        self.train_dl = DataLoader(train_ds, batch_size=args.train_bs, shuffle=True, collate_fn=pad_collate)
        self.eval_dl = DataLoader(eval_ds, batch_size=args.eval_bs, collate_fn=pad_collate)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        self.state = {"global_step": 0, "best_acc": 0.0}

    def evaluate(self):
        self.model.eval()
        correct = total = 0
        losses = []
        with torch.no_grad():
            for batch in self.eval_dl:
                loss, logits = self.model(**batch)
                losses.append(loss.item())
                mask = batch["labels"] != IGNORE
                correct += (logits.argmax(-1)[mask] == batch["labels"][mask]).sum().item()
                total += mask.sum().item()
        metrics = {"eval_loss": sum(losses) / len(losses), "eval_acc": correct / total}
        self.state["best_acc"] = max(self.state["best_acc"], metrics["eval_acc"])
        return metrics

    def train(self):
        self.model.train()
        steps_per_epoch = len(self.train_dl)
        logger.info("num steps %d", steps_per_epoch * self.args.epochs)
        for epoch in range(self.args.epochs):
            for batch in self.train_dl:
                loss, _ = self.model(**batch)
                self.optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
                self.optimizer.step()
                self.state["global_step"] += 1
                step = self.state["global_step"]
                if step % self.args.logging_steps == 0:
                    logger.info("step %d loss %.4f ppl %.2f", step, loss.item(), math.exp(min(loss.item(), 20)))
                if step % self.args.eval_steps == 0:
                    logger.info("step %d %s", step, self.evaluate())
        return self.state


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    args = Args()
    model = BiLSTMTagger(2000, len(args.tags))
    print(Trainer(model, args, ToyNER(3000, seed=0), ToyNER(400, seed=1)).train())
