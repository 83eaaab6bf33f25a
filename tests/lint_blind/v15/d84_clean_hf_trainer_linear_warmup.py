# expect: clean
# style: HF-Trainer-like class with get_linear_schedule_with_warmup re-implemented, gradient accumulation, for extractive QA span prediction
# note: the scheduler is stepped per optimizer update and the zero_grad is deferred to accumulation boundaries; the LambdaLR schedule is defined in update steps (num_training_steps = epochs * len(loader) // accum), so both the per-step scheduler and the delayed zero_grad are correct
import argparse
import logging
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("qa")


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps):
    def lr_lambda(step):
        if step < num_warmup_steps:
            return step / max(1, num_warmup_steps)
        return max(0.0, (num_training_steps - step) / max(1, num_training_steps - num_warmup_steps))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


class SpanData(Dataset):
    def __init__(self, n, vocab=3000, L=96, seed=0):
        rnd = random.Random(seed)
        self.items = []
        for _ in range(n):
            ids = [rnd.randint(10, vocab - 1) for _ in range(L)]
            s = rnd.randint(5, L - 10)
            e = s + rnd.randint(0, 5)
            ids[s - 1] = 3
            ids[e + 1] = 4
            self.items.append((torch.tensor(ids), s, e))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        ids, s, e = self.items[i]
        return {"input_ids": ids, "start_positions": torch.tensor(s), "end_positions": torch.tensor(e)}


class SpanModel(nn.Module):
    def __init__(self, vocab=3000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc = nn.LSTM(d, d, batch_first=True, bidirectional=True)
        self.qa_outputs = nn.Linear(2 * d, 2)

    def forward(self, input_ids, start_positions=None, end_positions=None):
        h, _ = self.enc(self.emb(input_ids))
        start_logits, end_logits = self.qa_outputs(h).unbind(-1)
        out = {"start_logits": start_logits, "end_logits": end_logits}
        if start_positions is not None:
            out["loss"] = (F.cross_entropy(start_logits, start_positions) + F.cross_entropy(end_logits, end_positions)) / 2
        return out


class Trainer:
    def __init__(self, model, args, train_dataset, eval_dataset):
        self.model, self.args = model, args
        self.train_dataset, self.eval_dataset = train_dataset, eval_dataset

    def create_optimizer_and_scheduler(self, num_training_steps):
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=self.args.learning_rate, weight_decay=0.01)
        self.lr_scheduler = get_linear_schedule_with_warmup(
            self.optimizer, int(self.args.warmup_ratio * num_training_steps), num_training_steps)

    def train(self):
        dl = DataLoader(self.train_dataset, batch_size=self.args.per_device_train_batch_size, shuffle=True)
        accum = self.args.gradient_accumulation_steps
        num_update_steps = self.args.num_train_epochs * (len(dl) // accum)
        self.create_optimizer_and_scheduler(num_update_steps)
        global_step = 0
        self.model.zero_grad()
        for epoch in range(self.args.num_train_epochs):
            self.model.train()
            for step, batch in enumerate(dl):
                loss = self.model(**batch)["loss"] / accum
                loss.backward()
                if (step + 1) % accum == 0:
                    nn.utils.clip_grad_norm_(self.model.parameters(), self.args.max_grad_norm)
                    self.optimizer.step()
                    self.lr_scheduler.step()
                    self.model.zero_grad()
                    global_step += 1
                    if global_step % self.args.logging_steps == 0:
                        logger.info("step %d loss %.4f lr %.2e", global_step, loss.item() * accum,
                                    self.lr_scheduler.get_last_lr()[0])
            self.model.zero_grad()
            logger.info("epoch %d %s", epoch, self.evaluate())

    @torch.no_grad()
    def evaluate(self):
        self.model.eval()
        dl = DataLoader(self.eval_dataset, batch_size=128)
        exact = 0
        for b in dl:
            out = self.model(b["input_ids"])
            exact += ((out["start_logits"].argmax(-1) == b["start_positions"]) &
                      (out["end_logits"].argmax(-1) == b["end_positions"])).sum().item()
        return {"exact_match": exact / len(self.eval_dataset)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--learning_rate", type=float, default=3e-3)
    ap.add_argument("--num_train_epochs", type=int, default=4)
    ap.add_argument("--per_device_train_batch_size", type=int, default=16)
    ap.add_argument("--gradient_accumulation_steps", type=int, default=2)
    ap.add_argument("--warmup_ratio", type=float, default=0.1)
    ap.add_argument("--max_grad_norm", type=float, default=1.0)
    ap.add_argument("--logging_steps", type=int, default=50)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = SpanModel()
    Trainer(model, args, SpanData(8000, seed=0), SpanData(800, seed=1)).train()
    torch.save(model.state_dict(), "span_model.pt")
