# expect: clean
# style: HF-like causal-LM fine-tuning loop with gradient accumulation and a linear warmup schedule
# note: zero_grad() is called only every `accum_steps` micro-batches (TVL003 look-alike), but it comes right after optimizer.step() on each accumulation boundary, so gradients are cleared once per update, as intended
import argparse
import logging
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


class PackedText(Dataset):
    def __init__(self, n_tokens, block, vocab, seed=0):
        g = torch.Generator().manual_seed(seed)
        data = torch.randint(0, vocab, (n_tokens,), generator=g)
        self.blocks = data[: (n_tokens // block) * block].view(-1, block)

    def __len__(self):
        return self.blocks.size(0)

    def __getitem__(self, i):
        return self.blocks[i]


class TinyCausalLM(nn.Module):
    def __init__(self, vocab, d=256, layers=4, heads=4, block=128):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(block, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True, norm_first=True)
        self.h = nn.TransformerEncoder(layer, layers)
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids):
        T = input_ids.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=input_ids.device)
        x = self.wte(input_ids) + self.wpe(torch.arange(T, device=input_ids.device))
        return self.lm_head(self.ln_f(self.h(x, mask=mask, is_causal=True)))


def get_linear_schedule_with_warmup(optimizer, warmup, total):
    def lr_lambda(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--block", type=int, default=128)
    ap.add_argument("--micro-bs", type=int, default=8)
    ap.add_argument("--accum-steps", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--output-dir", default="clm_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(PackedText(2_000_000, args.block, args.vocab), batch_size=args.micro_bs, shuffle=True, drop_last=True)
    eval_dl = DataLoader(PackedText(100_000, args.block, args.vocab, seed=1), batch_size=32)
    model = TinyCausalLM(args.vocab, block=args.block).to(device)
    no_decay = ["bias", "norm"]
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.1},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.95))
    updates_per_epoch = math.ceil(len(train_dl) / args.accum_steps)
    scheduler = get_linear_schedule_with_warmup(optimizer, args.warmup, updates_per_epoch * args.epochs)

    completed = 0
    optimizer.zero_grad(set_to_none=True)
    for epoch in range(args.epochs):
        model.train()
        for step, ids in enumerate(train_dl):
            ids = ids.to(device)
            logits = model(ids[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, args.vocab), ids[:, 1:].reshape(-1))
            (loss / args.accum_steps).backward()
            if (step + 1) % args.accum_steps == 0 or step == len(train_dl) - 1:
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                completed += 1
                if completed % 50 == 0:
                    logger.info("epoch %d update %d loss %.4f lr %.2e", epoch, completed, loss.item(), scheduler.get_last_lr()[0])
        model.eval()
        losses = []
        with torch.no_grad():
            for ids in eval_dl:
                ids = ids.to(device)
                logits = model(ids[:, :-1])
                losses.append(F.cross_entropy(logits.reshape(-1, args.vocab), ids[:, 1:].reshape(-1)).item())
        ppl = math.exp(sum(losses) / len(losses))
        logger.info("epoch %d eval perplexity %.2f", epoch, ppl)
    os.makedirs(args.output_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.output_dir, "pytorch_model.bin"))


if __name__ == "__main__":
    main()
