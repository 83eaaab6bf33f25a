# expect: clean
# style: hand-written HF-style trainer class (create_optimizer_and_scheduler / training_step / evaluate) with get_linear_schedule_with_warmup
# note: the warmup scheduler's num_training_steps counts optimizer updates and it is stepped per batch right after optimizer.step(); evaluate() restores train mode
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from transformers import get_linear_schedule_with_warmup

logger = logging.getLogger(__name__)


class SimpleTrainer:
    def __init__(self, model, args, train_dataset, eval_dataset):
        self.model, self.args = model, args
        self.train_dataloader = DataLoader(train_dataset, batch_size=args.train_batch_size, shuffle=True)
        self.eval_dataloader = DataLoader(eval_dataset, batch_size=args.eval_batch_size)
        self.optimizer = self.lr_scheduler = None

    def create_optimizer_and_scheduler(self, num_training_steps):
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=self.args.learning_rate, weight_decay=0.01)
        warmup = int(self.args.warmup_ratio * num_training_steps)
        self.lr_scheduler = get_linear_schedule_with_warmup(self.optimizer, warmup, num_training_steps)

    def training_step(self, batch):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        return loss.detach()

    def evaluate(self):
        self.model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in self.eval_dataloader:
                correct += (self.model(x).argmax(-1) == y).sum().item()
        self.model.train()
        return {"eval_accuracy": correct / len(self.eval_dataloader.dataset)}

    def train(self):
        max_steps = len(self.train_dataloader) * self.args.num_train_epochs
        self.create_optimizer_and_scheduler(max_steps)
        self.model.train()
        global_step = 0
        for epoch in range(self.args.num_train_epochs):
            for batch in self.train_dataloader:
                self.optimizer.zero_grad()
                tr_loss = self.training_step(batch)
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.lr_scheduler.step()
                global_step += 1
                if global_step % self.args.eval_steps == 0:
                    logger.info("step %d loss %.4f lr %.2e %s", global_step, tr_loss.item(), self.lr_scheduler.get_last_lr()[0], self.evaluate())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--learning_rate", type=float, default=3e-5)
    ap.add_argument("--warmup_ratio", type=float, default=0.1)
    ap.add_argument("--num_train_epochs", type=int, default=3)
    ap.add_argument("--train_batch_size", type=int, default=32)
    ap.add_argument("--eval_batch_size", type=int, default=64)
    ap.add_argument("--eval_steps", type=int, default=100)
    args = ap.parse_args()
    model = nn.Sequential(nn.Linear(300, 256), nn.GELU(), nn.Dropout(0.1), nn.Linear(256, 3))
    train_ds = TensorDataset(torch.randn(5000, 300), torch.randint(0, 3, (5000,)))
    eval_ds = TensorDataset(torch.randn(800, 300), torch.randint(0, 3, (800,)))
    SimpleTrainer(model, args, train_ds, eval_ds).train()
