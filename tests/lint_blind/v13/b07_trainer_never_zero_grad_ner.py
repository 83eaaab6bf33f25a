# expect: TVL003
# style: HF-like hand-written Trainer for token classification (NER), BiLSTM tagger
# bug: training_step calls backward() and the loop calls optimizer.step(), but no zero_grad() happens anywhere (reset() only clears metric counters)
import argparse
import json
import logging
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)
PAD = 0
IGNORE = -100


class FakeNerData(Dataset):
    def __init__(self, n, vocab=5000, n_tags=9, max_len=40):
        g = torch.Generator().manual_seed(n)
        self.items = []
        for _ in range(n):
            L = int(torch.randint(8, max_len, (1,), generator=g))
            ids = torch.randint(1, vocab, (L,), generator=g)
            tags = torch.randint(0, n_tags, (L,), generator=g)
            self.items.append((ids, tags))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    L = max(len(ids) for ids, _ in batch)
    ids = torch.full((len(batch), L), PAD, dtype=torch.long)
    tags = torch.full((len(batch), L), IGNORE, dtype=torch.long)
    for i, (a, b) in enumerate(batch):
        ids[i, :len(a)] = a
        tags[i, :len(b)] = b
    return {"input_ids": ids, "labels": tags}


class BiLstmTagger(nn.Module):
    def __init__(self, vocab=5000, dim=128, n_tags=9):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.lstm = nn.LSTM(dim, dim, batch_first=True, bidirectional=True)
        self.cls = nn.Linear(2 * dim, n_tags)

    def forward(self, input_ids):
        h, _ = self.lstm(self.emb(input_ids))
        return self.cls(h)


class TokenMetrics:
    def __init__(self):
        self.reset()

    def reset(self):
        self.correct = 0
        self.total = 0

    def update(self, logits, labels):
        mask = labels != IGNORE
        self.correct += (logits.argmax(-1)[mask] == labels[mask]).sum().item()
        self.total += mask.sum().item()

    def compute(self):
        return self.correct / max(self.total, 1)


class Trainer:
    def __init__(self, model, args, train_ds, eval_ds):
        self.model, self.args = model, args
        self.train_ds, self.eval_ds = train_ds, eval_ds
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
        self.metrics = TokenMetrics()
        self.state = {"step": 0, "log_history": []}

    def get_train_dataloader(self):
        return DataLoader(self.train_ds, batch_size=self.args.bs, shuffle=True, collate_fn=collate)

    def get_eval_dataloader(self):
        return DataLoader(self.eval_ds, batch_size=64, collate_fn=collate)

    def training_step(self, batch):
        self.model.train()
        logits = self.model(batch["input_ids"])
        loss = self.loss_fn(logits.flatten(0, 1), batch["labels"].flatten())
        loss.backward()
        self.metrics.update(logits.detach(), batch["labels"])
        return loss.item()

    @torch.no_grad()
    def evaluate(self):
        self.model.eval()
        m = TokenMetrics()
        for batch in self.get_eval_dataloader():
            m.update(self.model(batch["input_ids"]), batch["labels"])
        self.model.train()
        return {"eval_token_acc": m.compute()}

    def train(self):
        for epoch in range(self.args.epochs):
            self.metrics.reset()
            for batch in self.get_train_dataloader():
                loss = self.training_step(batch)
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.state["step"] += 1
                if self.state["step"] % self.args.log_steps == 0:
                    self.state["log_history"].append({"step": self.state["step"], "loss": loss})
                    logger.info("step %d loss %.4f", self.state["step"], loss)
            res = self.evaluate()
            res["train_token_acc"] = self.metrics.compute()
            logger.info("epoch %d %s", epoch, res)
        os.makedirs(self.args.out, exist_ok=True)
        with open(os.path.join(self.args.out, "trainer_state.json"), "w") as f:
            json.dump(self.state, f)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--bs", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--log_steps", type=int, default=20)
    p.add_argument("--out", default="runs/ner")
    a = p.parse_args()
    Trainer(BiLstmTagger(), a, FakeNerData(2000), FakeNerData(300)).train()
