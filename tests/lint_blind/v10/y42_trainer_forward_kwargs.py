# expect: TVL013
# style: HF-like Trainer shim, token classification
# bug: MiniTrainer.compute_loss() calls self.model.forward(**inputs), skipping nn.Module.__call__ and any hooks attached to the model.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


class TokenClassifier(nn.Module):
    def __init__(self, vocab=20000, d=128, n_labels=9):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, 4, 256, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(d, n_labels)

    def forward(self, input_ids, labels=None):
        logits = self.head(self.enc(self.emb(input_ids)))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100)
        return {"loss": loss, "logits": logits}


class MiniTrainer:
    def __init__(self, model, train_dataset, lr, batch_size, epochs, log_every=50):
        self.model = model
        self.train_dataset = train_dataset
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        self.batch_size, self.epochs, self.log_every = batch_size, epochs, log_every
        self.state = {"global_step": 0, "log_history": []}

    def get_train_dataloader(self):
        return DataLoader(self.train_dataset, batch_size=self.batch_size, shuffle=True)

    def compute_loss(self, inputs):
        outputs = self.model.forward(**inputs)
        return outputs["loss"]

    def training_step(self, inputs):
        self.model.train()
        loss = self.compute_loss(inputs)
        loss.backward()
        return loss.detach()

    def train(self):
        loader = self.get_train_dataloader()
        for epoch in range(self.epochs):
            for input_ids, labels in loader:
                self.optimizer.zero_grad()
                loss = self.training_step({"input_ids": input_ids, "labels": labels})
                nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.state["global_step"] += 1
                if self.state["global_step"] % self.log_every == 0:
                    self.state["log_history"].append({"step": self.state["global_step"], "loss": loss.item()})
                    logger.info("step %d loss %.4f", self.state["global_step"], loss.item())


def main():
    args = parse_args()
    set_seed(args.seed)
    ids = torch.randint(0, 20000, (3000, 48))
    labels = torch.randint(0, 9, (3000, 48))
    labels[:, 40:] = -100
    trainer = MiniTrainer(TokenClassifier(), TensorDataset(ids, labels), args.lr, args.batch_size, args.epochs)
    trainer.train()
    save_checkpoint({"model": trainer.model.state_dict(), "state": trainer.state}, args.out_dir)


if __name__ == "__main__":
    main()
