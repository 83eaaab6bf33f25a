# expect: TVL016
# style: HF-like Trainer subclass with mixed precision, causal LM fine-tuning on toy text; clipping in a helper
# bug: _clip_and_unscale() clips the gradients first and only then calls scaler.unscale_(), so the clip threshold is compared against scaled gradient norms.
import logging
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("clm")


@dataclass
class TrainingArguments:
    num_train_epochs: int = 3
    per_device_train_batch_size: int = 16
    learning_rate: float = 5e-4
    max_grad_norm: float = 1.0
    fp16: bool = True
    logging_steps: int = 25
    block_size: int = 64


class BlockDataset(Dataset):
    def __init__(self, text, block):
        ids = torch.tensor(list(text.encode()), dtype=torch.long)
        n = (len(ids) - 1) // block
        self.x = ids[: n * block].view(n, block)
        self.y = ids[1: n * block + 1].view(n, block)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"input_ids": self.x[i], "labels": self.y[i]}


class TinyCausalLM(nn.Module):
    def __init__(self, vocab=256, d=192, layers=3, block=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(1, block, d))
        layer = nn.TransformerEncoderLayer(d, 6, 4 * d, 0.1, batch_first=True, norm_first=True)
        self.body = nn.TransformerEncoder(layer, layers)
        self.lm_head = nn.Linear(d, vocab)

    def forward(self, input_ids, labels=None):
        T = input_ids.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=input_ids.device)
        h = self.body(self.emb(input_ids) + self.pos[:, :T], mask=mask, is_causal=True)
        logits = self.lm_head(h)
        loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten()) if labels is not None else None
        return {"loss": loss, "logits": logits}


class BaseTrainer:
    def __init__(self, model, args: TrainingArguments, train_dataset):
        self.model, self.args = model, args
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=0.01)
        self.scaler = torch.cuda.amp.GradScaler(enabled=args.fp16 and self.device.type == "cuda")
        self.train_dataloader = DataLoader(train_dataset, batch_size=args.per_device_train_batch_size, shuffle=True)
        self.global_step = 0

    def _clip_and_unscale(self):
        if self.args.max_grad_norm:
            norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.args.max_grad_norm)
        else:
            norm = torch.tensor(0.0)
        self.scaler.unscale_(self.optimizer)
        return norm

    def training_step(self, batch):
        batch = {k: v.to(self.device) for k, v in batch.items()}
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.scaler.is_enabled()):
            loss = self.model(**batch)["loss"]
        self.scaler.scale(loss).backward()
        return loss.detach()

    def train(self):
        total_steps = self.args.num_train_epochs * len(self.train_dataloader)
        sched = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda s: 1 - s / total_steps)
        for epoch in range(self.args.num_train_epochs):
            self.model.train()
            for batch in self.train_dataloader:
                self.optimizer.zero_grad(set_to_none=True)
                loss = self.training_step(batch)
                grad_norm = self._clip_and_unscale()
                self.scaler.step(self.optimizer)
                self.scaler.update()
                sched.step()
                self.global_step += 1
                if self.global_step % self.args.logging_steps == 0:
                    logger.info("step %d loss %.4f ppl %.2f grad_norm %.3f lr %.2e", self.global_step, loss.item(),
                                math.exp(loss.item()), float(grad_norm), sched.get_last_lr()[0])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    args = TrainingArguments()
    corpus = "All happy families are alike; each unhappy family is unhappy in its own way. " * 300
    trainer = BaseTrainer(TinyCausalLM(block=args.block_size), args, BlockDataset(corpus, args.block_size))
    trainer.train()
    torch.save(trainer.model.state_dict(), "tiny_clm.pt")
