# real: source=https://github.com/pytorch/examples/blob/main/distributed/FSDP2/train.py (and model.py)
# real: args=
# real: bug=same-seed-batches expect=duplicate-data-across-ranks
# real: bug=local-loss-gate expect=rank-divergent-steps
# real: bug=no-zero-grad expect=grads-not-cleared
"""pytorch/examples FSDP2: the toy Transformer of model.py (token + position embeddings, pre-LN
blocks of Attention via F.scaled_dot_product_attention and a 4x GELU FeedForward, final
LayerNorm, a bias-free output Linear) built on the meta device, fully_shard() on every block
and then on the root, to_empty() and reset_parameters(), Adam(lr=1e-2), and the loop: forward,
backward, clip_grad_norm_(max_norm=1.0), step, zero_grad; then the full state dict gathered
(DTensor.full_tensor()) and saved by rank 0.
Changed: gloo on CPU (no cuda device, no mixed precision, no prefetching, no DCP resume); 2 layers
x 32 dims, vocab 64, 200 iterations at lr 3e-3. The published loop draws its batch with
torch.randint after torch.manual_seed(0) on every rank, so both ranks train on the same batch
(--bug same-seed-batches), and its loss is model(x).sum(), which has no minimum; this rewrite
draws each rank's batches from its own generator and trains next-token prediction on a
learnable synthetic sequence (x[t+1] = (x[t] + step) mod vocab). The published reset_parameters()
of the root does not reach the blocks (to_empty leaves their memory uninitialised); this
rewrite resets every submodule that has reset_parameters.
Bugs: same-seed-batches (as published), local-loss-gate (skip the step when this rank's own
loss went up since the previous iteration), no-zero-grad (optim.zero_grad() dropped)."""

import argparse
import os
import tempfile
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.distributed.fsdp import fully_shard

torch.set_num_threads(1)
BUGS = ["", "same-seed-batches", "local-loss-gate", "no-zero-grad"]


@dataclass
class ModelArgs:
    n_layers: int = 2
    vocab_size: int = 64
    max_seq_len: int = 32
    dim: int = 32
    n_heads: int = 4
    dropout_p: float = 0.0


class Attention(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.n_heads = args.n_heads
        self.head_dim = args.dim // args.n_heads
        self.dropout_p = args.dropout_p
        self.wq = nn.Linear(args.dim, args.dim, bias=False)
        self.wk = nn.Linear(args.dim, args.dim, bias=False)
        self.wv = nn.Linear(args.dim, args.dim, bias=False)
        self.wo = nn.Linear(args.dim, args.dim, bias=False)
        self.resid_dropout = nn.Dropout(args.dropout_p)

    def forward(self, x):
        bsz, seq_len, _ = x.size()
        q, k, v = (w(x).view(bsz, seq_len, self.n_heads, self.head_dim).transpose(1, 2)
                   for w in (self.wq, self.wk, self.wv))
        out = F.scaled_dot_product_attention(q, k, v, None, self.dropout_p if self.training else 0,
                                             is_causal=True)
        return self.resid_dropout(self.wo(out.transpose(1, 2).contiguous().view(bsz, seq_len, -1)))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden_dim, dropout_p):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden_dim)
        self.gelu = nn.GELU()
        self.w2 = nn.Linear(hidden_dim, dim)
        self.resid_dropout = nn.Dropout(dropout_p)

    def forward(self, x):
        return self.resid_dropout(self.w2(self.gelu(self.w1(x))))


class TransformerBlock(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.attention_norm = nn.LayerNorm(args.dim)
        self.attention = Attention(args)
        self.ffn_norm = nn.LayerNorm(args.dim)
        self.feed_forward = FeedForward(args.dim, 4 * args.dim, args.dropout_p)

    def forward(self, x):
        h = x + self.attention(self.attention_norm(x))
        return h + self.feed_forward(self.ffn_norm(h))


class Transformer(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.tok_embeddings = nn.Embedding(args.vocab_size, args.dim)
        self.pos_embeddings = nn.Embedding(args.max_seq_len, args.dim)
        self.dropout = nn.Dropout(args.dropout_p)
        self.layers = nn.ModuleList(TransformerBlock(args) for _ in range(args.n_layers))
        self.norm = nn.LayerNorm(args.dim)
        self.output = nn.Linear(args.dim, args.vocab_size, bias=False)

    def forward(self, tokens):
        _, seq_len = tokens.size()
        h = self.tok_embeddings(tokens) + self.pos_embeddings(torch.arange(seq_len, device=tokens.device))
        h = self.dropout(h)
        for layer in self.layers:
            h = layer(h)
        return self.output(self.norm(h)).float()


def batch(gen, args, batch_size):
    """Sequences that count up by a per-sequence step modulo the vocabulary: learnable."""
    start = torch.randint(0, args.vocab_size, (batch_size, 1), generator=gen)
    step = torch.randint(1, 4, (batch_size, 1), generator=gen)
    seq = (start + step * torch.arange(args.max_seq_len + 1)) % args.vocab_size
    return seq[:, :-1], seq[:, 1:]


def main():
    parser = argparse.ArgumentParser(description="PyTorch FSDP2 example")
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--bug", default="", choices=BUGS)
    cli = parser.parse_args()
    dist.init_process_group(backend="gloo")
    rank = dist.get_rank()
    torch.manual_seed(0)
    model_args = ModelArgs()
    with torch.device("meta"):
        model = Transformer(model_args)
    for layer in model.layers:
        fully_shard(layer)
    fully_shard(model)
    model.to_empty(device="cpu")
    for m in model.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    optim = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0 if cli.bug == "same-seed-batches" else 1000 + rank)
    dist.barrier()
    previous, skipped = None, 0
    for i in range(cli.iters):
        x, y = batch(gen, model_args, cli.batch_size)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        value = loss.item()
        if cli.bug == "local-loss-gate" and previous is not None and value > previous:
            skipped += 1  # the bug: this rank's own loss decides whether it steps
        else:
            optim.step()
        previous = value
        if cli.bug != "no-zero-grad":
            optim.zero_grad()
        if rank == 0 and (i + 1) % 50 == 0:
            print(f"iter {i + 1}: loss {value:.4f}")
    if cli.bug == "local-loss-gate":
        print(f"rank {rank}: skipped {skipped} steps")
    # the full state dict on rank 0 (every rank takes part in the all-gathers)
    full = {}
    for name, p in model.state_dict().items():
        t = p.full_tensor()
        if rank == 0:
            full[name] = t.cpu()
    if rank == 0:
        with tempfile.TemporaryDirectory() as d:
            torch.save(full, os.path.join(d, "model_state_dict.pt"))
            print(f"saved {len(full)} tensors")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
