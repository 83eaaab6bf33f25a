# expect: TVL001
# style: hand-written LoRA/PEFT fine-tuning Trainer class (torchtune-recipe flavour)
# bug: Trainer._forward is decorated with torch.inference_mode(), and train_step takes its logits only from _forward
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, rank=8, alpha=16):
        super().__init__()
        self.base = base
        self.base.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(rank))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x):
        return self.base(x) + (x @ self.lora_a.t() @ self.lora_b.t()) * self.scale


class TinyLM(nn.Module):
    def __init__(self, vocab=1000, dim=256, rank=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.emb.weight.requires_grad_(False)
        self.mix = LoRALinear(nn.Linear(dim, dim), rank)
        self.head = LoRALinear(nn.Linear(dim, vocab), rank)

    def forward(self, ids):
        return self.head(torch.tanh(self.mix(self.emb(ids))))


class LoRATrainer:
    def __init__(self, model, lr, log_every=10):
        self.model = model
        trainable = [p for n, p in model.named_parameters() if "lora_" in n]
        self.optimizer = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0)
        self.log_every = log_every
        self.global_step = 0

    @torch.inference_mode()
    def _forward(self, ids):
        return self.model(ids[:, :-1])

    def train_step(self, ids):
        self.model.train()
        logits = self._forward(ids)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.global_step += 1
        if self.global_step % self.log_every == 0:
            print(f"step {self.global_step} loss {loss.item():.4f}")
        return loss.item()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--rank", type=int, default=8)
    args = parser.parse_args()
    trainer = LoRATrainer(TinyLM(rank=args.rank), args.lr)
    for _ in range(args.steps):
        trainer.train_step(torch.randint(0, 1000, (16, 65)))
