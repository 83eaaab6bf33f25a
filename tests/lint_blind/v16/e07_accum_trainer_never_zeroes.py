# expect: TVL003
# style: HF-like hand-written Trainer for text classification with gradient accumulation
# bug: the accumulation branch steps the optimizer and scheduler every accum_steps batches but never clears gradients, so they keep summing across the whole run
import logging
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


@dataclass
class TrainingArguments:
    output_dir: str = "out/textcls"
    num_train_epochs: int = 3
    per_device_train_batch_size: int = 16
    gradient_accumulation_steps: int = 4
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    logging_steps: int = 20


class ToyTextDataset(Dataset):
    def __init__(self, n, vocab=8000, max_len=64, n_labels=3):
        g = torch.Generator().manual_seed(n)
        self.ids = torch.randint(1, vocab, (n, max_len), generator=g)
        self.mask = torch.ones(n, max_len, dtype=torch.long)
        self.labels = torch.randint(0, n_labels, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i], "labels": self.labels[i]}


class BagClassifier(nn.Module):
    def __init__(self, vocab=8000, dim=256, n_labels=3):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.drop = nn.Dropout(0.1)
        self.out = nn.Linear(dim, n_labels)

    def forward(self, input_ids, attention_mask=None, labels=None):
        logits = self.out(self.drop(self.emb(input_ids)))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


def linear_warmup(optimizer, warmup, total):
    def fn(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, fn)


class Trainer:
    def __init__(self, model, args: TrainingArguments, train_dataset):
        self.model, self.args, self.train_dataset = model, args, train_dataset
        self.global_step = 0

    def get_train_dataloader(self):
        return DataLoader(self.train_dataset, batch_size=self.args.per_device_train_batch_size, shuffle=True)

    def create_optimizer_and_scheduler(self, num_training_steps):
        decay = [p for n, p in self.model.named_parameters() if "bias" not in n]
        no_decay = [p for n, p in self.model.named_parameters() if "bias" in n]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
            lr=self.args.learning_rate)
        self.lr_scheduler = linear_warmup(self.optimizer, int(self.args.warmup_ratio * num_training_steps), num_training_steps)

    def training_step(self, batch):
        self.model.train()
        out = self.model(**batch)
        loss = out["loss"] / self.args.gradient_accumulation_steps
        loss.backward()
        return loss.detach()

    def train(self):
        loader = self.get_train_dataloader()
        steps_per_epoch = math.ceil(len(loader) / self.args.gradient_accumulation_steps)
        self.create_optimizer_and_scheduler(steps_per_epoch * self.args.num_train_epochs)
        tr_loss = 0.0
        for epoch in range(self.args.num_train_epochs):
            for step, batch in enumerate(loader):
                tr_loss += self.training_step(batch).item()
                if (step + 1) % self.args.gradient_accumulation_steps == 0 or step + 1 == len(loader):
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.args.max_grad_norm)
                    self.optimizer.step()
                    self.lr_scheduler.step()
                    self.global_step += 1
                    if self.global_step % self.args.logging_steps == 0:
                        logger.info("step %d loss %.4f lr %.2e", self.global_step,
                                    tr_loss / self.args.logging_steps, self.lr_scheduler.get_last_lr()[0])
                        tr_loss = 0.0
        return self.global_step


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    trainer = Trainer(BagClassifier(), TrainingArguments(), ToyTextDataset(6000))
    trainer.train()
    torch.save(trainer.model.state_dict(), "textcls.bin")
