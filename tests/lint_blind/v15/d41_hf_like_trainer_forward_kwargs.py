# expect: TVL013
# style: HF-Trainer-like class for a sequence tagger (NER) with compute_loss(); model has a forward pre-hook that injects word dropout
# bug: compute_loss() calls self.model.forward(**inputs) instead of self.model(**inputs), so the word-dropout forward pre-hook registered by the trainer is never applied during training
import argparse
import logging
import random
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("ner")
TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
PAD, UNK = 0, 1


class ToyNER(Dataset):
    def __init__(self, n, vocab, seed):
        rnd = random.Random(seed)
        self.rows = []
        for _ in range(n):
            L = rnd.randint(5, 30)
            ids = [rnd.randint(2, vocab - 1) for _ in range(L)]
            tags = [0] * L
            if L > 3 and rnd.random() < 0.8:
                s = rnd.randint(0, L - 3)
                t = rnd.choice([1, 3, 5])
                tags[s], tags[s + 1] = t, t + 1
                ids[s] = 2 + t
            self.rows.append((ids, tags))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(batch) -> Dict[str, torch.Tensor]:
    L = max(len(ids) for ids, _ in batch)
    input_ids = torch.full((len(batch), L), PAD)
    labels = torch.full((len(batch), L), -100)
    for k, (ids, tags) in enumerate(batch):
        input_ids[k, : len(ids)] = torch.tensor(ids)
        labels[k, : len(tags)] = torch.tensor(tags)
    return {"input_ids": input_ids, "labels": labels}


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab, emb=100, hidden=128, n_tags=len(TAGS)):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.3)
        self.classifier = nn.Linear(2 * hidden, n_tags)

    def forward(self, input_ids, labels=None):
        h, _ = self.lstm(self.emb(input_ids))
        logits = self.classifier(self.drop(h))
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100)
        return out


def word_dropout_hook(p):
    def hook(module, args, kwargs):
        if module.training and "input_ids" in kwargs:
            ids = kwargs["input_ids"]
            drop = (torch.rand(ids.shape, device=ids.device) < p) & (ids != PAD)
            kwargs = dict(kwargs, input_ids=ids.masked_fill(drop, UNK))
        return args, kwargs
    return hook


class Trainer:
    def __init__(self, model, args, train_dataset, eval_dataset, word_dropout=0.1):
        self.model = model
        self.args = args
        self.train_dataset, self.eval_dataset = train_dataset, eval_dataset
        self.model.register_forward_pre_hook(word_dropout_hook(word_dropout), with_kwargs=True)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=0.01)
        self.state = {"global_step": 0}

    def get_train_dataloader(self):
        return DataLoader(self.train_dataset, batch_size=self.args.batch_size, shuffle=True, collate_fn=collate)

    def get_eval_dataloader(self):
        return DataLoader(self.eval_dataset, batch_size=128, collate_fn=collate)

    def compute_loss(self, model, inputs):
        outputs = model.forward(**inputs)
        return outputs["loss"]

    def training_step(self, inputs):
        self.model.train()
        loss = self.compute_loss(self.model, inputs)
        loss.backward()
        return loss.detach()

    def evaluate(self):
        self.model.eval()
        hit, tot = 0, 0
        with torch.no_grad():
            for inputs in self.get_eval_dataloader():
                logits = self.model(input_ids=inputs["input_ids"])["logits"]
                m = inputs["labels"] != -100
                hit += (logits.argmax(-1)[m] == inputs["labels"][m]).sum().item()
                tot += m.sum().item()
        return {"eval_token_acc": hit / tot}

    def train(self):
        for epoch in range(self.args.epochs):
            for inputs in self.get_train_dataloader():
                loss = self.training_step(inputs)
                nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.optimizer.zero_grad()
                self.state["global_step"] += 1
                if self.state["global_step"] % 100 == 0:
                    logger.info("step %d loss %.4f", self.state["global_step"], loss.item())
            logger.info("epoch %d %s", epoch, self.evaluate())


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--learning_rate", type=float, default=2e-3)
    ap.add_argument("--batch_size", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--vocab", type=int, default=4000)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = BiLSTMTagger(a.vocab)
    trainer = Trainer(model, a, ToyNER(8000, a.vocab, 0), ToyNER(800, a.vocab, 1))
    trainer.train()
    torch.save(model.state_dict(), "ner_tagger.pt")
