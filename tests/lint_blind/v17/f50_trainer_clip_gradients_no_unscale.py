# expect: TVL016
# style: HF-Trainer-like class with _clip_gradients() and optimizer_step() methods, AMP text regression (readability scores)
# bug: training_step() calls self._clip_gradients() on scaled gradients and then scaler.step(); unscale_ is never called explicitly, so clipping sees gradients multiplied by the loss scale (clipping is effectively always on, at a tiny effective threshold).
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Passages(Dataset):
    def __init__(self, n, vocab=8000, seq=128, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, vocab, (n, seq), generator=g)
        self.target = (self.ids.float().mean(1) / vocab - 0.5) * 4 + 0.1 * torch.randn(n, generator=g)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.target[i]}


class Regressor(nn.Module):
    def __init__(self, vocab=8000, d=256, layers=4, heads=8, seq=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True), layers)
        self.head = nn.Linear(d, 1)

    def forward(self, input_ids):
        x = self.emb(input_ids) + self.pos(torch.arange(input_ids.size(1), device=input_ids.device))
        return self.head(self.enc(x).mean(1)).squeeze(-1)


class TrainingArguments:
    def __init__(self, **kw):
        self.learning_rate = kw.get("learning_rate", 3e-5)
        self.num_train_epochs = kw.get("num_train_epochs", 5)
        self.per_device_train_batch_size = kw.get("per_device_train_batch_size", 16)
        self.max_grad_norm = kw.get("max_grad_norm", 1.0)
        self.fp16 = kw.get("fp16", True)
        self.logging_steps = kw.get("logging_steps", 50)


class Trainer:
    def __init__(self, model, args, train_dataset, eval_dataset):
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model, self.args = model.to(self.device), args
        self.train_dataset, self.eval_dataset = train_dataset, eval_dataset
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=args.learning_rate, weight_decay=0.01)
        self.use_amp = args.fp16 and self.device == "cuda"
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.use_amp)
        self.global_step = 0

    def _clip_gradients(self):
        if self.args.max_grad_norm and self.args.max_grad_norm > 0:
            return nn.utils.clip_grad_norm_(self.model.parameters(), self.args.max_grad_norm)
        return None

    def training_step(self, inputs):
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.autocast("cuda", dtype=torch.float16, enabled=self.use_amp):
            loss = F.mse_loss(self.model(inputs["input_ids"]), inputs["labels"])
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self._clip_gradients()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss.detach()

    def train(self):
        dl = DataLoader(self.train_dataset, batch_size=self.args.per_device_train_batch_size, shuffle=True)
        for epoch in range(self.args.num_train_epochs):
            self.model.train()
            for inputs in dl:
                loss = self.training_step(inputs)
                self.global_step += 1
                if self.global_step % self.args.logging_steps == 0:
                    print({"step": self.global_step, "loss": round(loss.item(), 4)})
            print({"epoch": epoch, **self.evaluate()})

    @torch.no_grad()
    def evaluate(self):
        self.model.eval()
        dl = DataLoader(self.eval_dataset, batch_size=64)
        se = n = 0
        for inputs in dl:
            pred = self.model(inputs["input_ids"].to(self.device)).float().cpu()
            se += (pred - inputs["labels"]).pow(2).sum().item()
            n += len(pred)
        return {"eval_rmse": math.sqrt(se / n)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--epochs", type=int, default=5)
    a = ap.parse_args()
    args = TrainingArguments(learning_rate=a.lr, num_train_epochs=a.epochs)
    Trainer(Regressor(), args, Passages(6000), Passages(1000, seed=1)).train()
