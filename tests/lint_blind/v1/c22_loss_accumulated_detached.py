# expect: clean
# style: torchtune / HF-accelerate style running loss (running_loss += loss.detach(), synced with .item() at log time)
# note: the tensor accumulator only ever receives loss.detach(), so no graph is retained across iterations
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyDecoder(nn.Module):
    def __init__(self, vocab=1024, dim=192):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList(nn.TransformerEncoderLayer(dim, 6, 4 * dim, batch_first=True) for _ in range(2))
        self.norm = nn.LayerNorm(dim)
        self.output = nn.Linear(dim, vocab, bias=False)

    def forward(self, tokens):
        h = self.tok(tokens)
        mask = nn.Transformer.generate_square_subsequent_mask(tokens.size(1))
        for blk in self.blocks:
            h = blk(h, src_mask=mask, is_causal=True)
        return self.output(self.norm(h))


def train(cfg):
    model = TinyDecoder()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    model.train()
    running_loss, num_tokens = torch.zeros(()), 0
    t0 = time.perf_counter()
    for step in range(1, cfg.max_steps + 1):
        tokens = torch.randint(0, 1024, (cfg.batch_size, 129))
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 1024), tokens[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        running_loss += loss.detach()
        num_tokens += tokens[:, 1:].numel()
        if step % cfg.log_every_n_steps == 0:
            dt = time.perf_counter() - t0
            print(f"step {step} | loss {running_loss.item() / cfg.log_every_n_steps:.4f} | tok/s {num_tokens / dt:.0f}")
            running_loss, num_tokens, t0 = torch.zeros(()), 0, time.perf_counter()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-steps", type=int, default=200)
    parser.add_argument("--log-every-n-steps", type=int, default=20)
    train(parser.parse_args())
