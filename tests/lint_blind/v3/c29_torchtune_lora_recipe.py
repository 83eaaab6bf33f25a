# expect: clean
# style: torchtune lora_finetune_single_device recipe (set_trainable_params for LoRA adapters, get_cosine_schedule_with_warmup stepped per optimizer step)
# note: base weights are frozen via requires_grad_(False) and the optimizer gets only adapter params; the warmup/cosine scheduler is per-step by construction
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from transformers import get_cosine_schedule_with_warmup


class LoRALinear(nn.Module):
    def __init__(self, in_dim, out_dim, rank=8, alpha=16):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim) / math.sqrt(in_dim))
        self.lora_a = nn.Linear(in_dim, rank, bias=False)
        self.lora_b = nn.Linear(rank, out_dim, bias=False)
        nn.init.zeros_(self.lora_b.weight)
        self.scaling = alpha / rank

    def forward(self, x):
        return F.linear(x, self.weight) + self.lora_b(self.lora_a(x)) * self.scaling


class TinyLM(nn.Module):
    def __init__(self, vocab=4096, d=256):
        super().__init__()
        self.tok_embeddings = nn.Embedding(vocab, d)
        self.q_proj, self.v_proj = LoRALinear(d, d), LoRALinear(d, d)
        self.output = nn.Linear(d, vocab, bias=False)

    def forward(self, tokens):
        h = self.tok_embeddings(tokens)
        h = h + torch.tanh(self.q_proj(h)) * self.v_proj(h)
        return self.output(h)


def set_trainable_params(model):
    for name, p in model.named_parameters():
        p.requires_grad_("lora_" in name)


class LoRAFinetuneRecipeSingleDevice:
    def __init__(self, cfg):
        self.cfg = cfg
        self._model = TinyLM()
        set_trainable_params(self._model)
        self._optimizer = torch.optim.AdamW([p for p in self._model.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=0.01)
        data = torch.randint(0, 4096, (1024, 65))
        self._dataloader = DataLoader(TensorDataset(data), batch_size=cfg.batch_size, shuffle=True)
        total = cfg.epochs * len(self._dataloader)
        self._lr_scheduler = get_cosine_schedule_with_warmup(self._optimizer, cfg.num_warmup_steps, total)

    def train(self):
        self._model.train()
        for curr_epoch in range(self.cfg.epochs):
            for idx, (batch,) in enumerate(self._dataloader):
                logits = self._model(batch[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch[:, 1:].reshape(-1))
                loss.backward()
                self._optimizer.step()
                self._optimizer.zero_grad(set_to_none=True)
                self._lr_scheduler.step()
                if idx % self.cfg.log_every_n_steps == 0:
                    print(f"{curr_epoch + 1}|{idx}|Loss: {loss.item():.4f} lr {self._lr_scheduler.get_last_lr()[0]:.2e}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch_size", type=int, default=8)
    ap.add_argument("--num_warmup_steps", type=int, default=20)
    ap.add_argument("--log_every_n_steps", type=int, default=10)
    LoRAFinetuneRecipeSingleDevice(ap.parse_args()).train()
