# expect: TVL003
# style: HF-style causal-LM fine-tune loop with gradient accumulation split into a train_step() helper
# bug: train_step() does the micro-batch backward()s and the outer loop steps, but zero_grad() is never called anywhere
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TinyLM(nn.Module):
    def __init__(self, vocab=5000, d=128, n_layer=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_layer)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        T = ids.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=ids.device), diagonal=1)
        return self.lm_head(self.blocks(self.tok(ids), mask=causal))


def train_step(model, micro_batches, accum):
    """Forward/backward over the micro-batches of one optimizer step; returns mean loss."""
    total = 0.0
    for ids in micro_batches:
        logits = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1))
        (loss / accum).backward()
        total += loss.item()
    return total / len(micro_batches)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradient_accumulation_steps", type=int, default=4)
    parser.add_argument("--per_device_train_batch_size", type=int, default=8)
    parser.add_argument("--learning_rate", type=float, default=5e-4)
    parser.add_argument("--num_train_epochs", type=int, default=1)
    args = parser.parse_args()
    model = TinyLM()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=0.1)
    ds = TensorDataset(torch.randint(0, 5000, (512, 65)))
    loader = DataLoader(ds, batch_size=args.per_device_train_batch_size, shuffle=True)
    accum = args.gradient_accumulation_steps
    for epoch in range(args.num_train_epochs):
        model.train()
        buffer = []
        for step, (ids,) in enumerate(loader):
            buffer.append(ids)
            if len(buffer) == accum:
                loss = train_step(model, buffer, accum)
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                buffer = []
                print(f"epoch {epoch} step {step} loss {loss:.4f} ppl {math.exp(loss):.1f}")


if __name__ == "__main__":
    main()
