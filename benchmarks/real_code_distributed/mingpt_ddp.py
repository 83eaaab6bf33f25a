# real: source=https://github.com/pytorch/examples/tree/main/distributed/minGPT-ddp (mingpt/trainer.py, model.py, char_dataset.py, main.py)
# real: args=
# real: bug=eval-in-train-mode expect=validation-in-train-mode
# real: bug=local-loss-gate expect=rank-divergent-steps,ranks-out-of-sync
# real: bug=no-zero-grad expect=grads-not-cleared
"""pytorch/examples minGPT-ddp: GPT (token + learned position embeddings, pre-LN blocks with a
masked self-attention and a 4x GELU MLP, dropout 0.1), CharDataset (every block_size+1 window of
a text, x = chars[:-1], y = chars[1:]), a random_split into train/test, GPT.configure_optimizers
(AdamW, weight decay on Linear weights only), and its Trainer: DataLoader(shuffle=False,
sampler=DistributedSampler) for train and test, sampler.set_epoch(epoch) in _run_epoch,
optimizer.zero_grad(set_to_none=True), backward, clip_grad_norm_(grad_norm_clip), step; a
Snapshot(model_state, optimizer_state, finished_epoch) saved by local rank 0 every save_every
epochs; the test set run through the same _run_epoch with train=False under
torch.set_grad_enabled(False).
Changed: gloo on CPU, no AMP/GradScaler and no S3/fsspec; a generated text (a few repeated
sentences) instead of the Shakespeare file; 2 layers x 48 dims, block_size 32; a temporary
snapshot folder. The published Trainer evaluates without model.eval(), so dropout stays on in
its test pass; this rewrite adds model.eval()/model.train() around it, and the published
behaviour is --bug eval-in-train-mode.
Bugs: eval-in-train-mode (as published), local-loss-gate (skip the step when this rank's own
loss is above its running mean: a local decision under DDP), no-zero-grad (zero_grad dropped from _run_batch)."""

import argparse
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, Dataset, random_split
from torch.utils.data.distributed import DistributedSampler

torch.set_num_threads(1)
BUGS = ["", "eval-in-train-mode", "local-loss-gate", "no-zero-grad"]


# ------------------------------------------------------------------------------------ model
@dataclass
class GPTConfig:
    vocab_size: int = 0
    block_size: int = 32
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 48
    embd_pdrop: float = 0.1
    resid_pdrop: float = 0.1
    attn_pdrop: float = 0.1


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.attn_drop = nn.Dropout(cfg.attn_pdrop)
        self.resid_drop = nn.Dropout(cfg.resid_pdrop)
        self.n_head = cfg.n_head
        mask = torch.tril(torch.ones(cfg.block_size, cfg.block_size))
        self.register_buffer("mask", mask.view(1, 1, cfg.block_size, cfg.block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = self.attn_drop(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_drop(self.c_proj(y))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.mlp = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(),
                                 nn.Linear(4 * cfg.n_embd, cfg.n_embd), nn.Dropout(cfg.resid_pdrop))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.block_size = cfg.block_size
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.pos_emb = nn.Parameter(torch.zeros(1, cfg.block_size, cfg.n_embd))
        self.drop = nn.Dropout(cfg.embd_pdrop)
        self.blocks = nn.Sequential(*[Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def forward(self, idx, targets=None):
        _, t = idx.size()
        x = self.drop(self.tok_emb(idx) + self.pos_emb[:, :t, :])
        logits = self.head(self.ln_f(self.blocks(x)))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    def configure_optimizers(self, lr, weight_decay, betas=(0.9, 0.95)):
        decay, no_decay = set(), set()
        for mn, m in self.named_modules():
            for pn, _ in m.named_parameters(recurse=False):
                fpn = f"{mn}.{pn}" if mn else pn
                if pn.endswith("weight") and isinstance(m, nn.Linear):
                    decay.add(fpn)
                else:
                    no_decay.add(fpn)
        params = dict(self.named_parameters())
        groups = [{"params": [params[n] for n in sorted(decay)], "weight_decay": weight_decay},
                  {"params": [params[n] for n in sorted(no_decay)], "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=lr, betas=betas)


# ------------------------------------------------------------------------------------- data
class CharDataset(Dataset):
    def __init__(self, data, block_size):
        chars = sorted(set(data))
        self.stoi = {ch: i for i, ch in enumerate(chars)}
        self.vocab_size = len(chars)
        self.block_size = block_size
        self.data = data

    def __len__(self):
        return len(self.data) - self.block_size

    def __getitem__(self, idx):
        chunk = self.data[idx:idx + self.block_size + 1]
        dix = torch.tensor([self.stoi[s] for s in chunk], dtype=torch.long)
        return dix[:-1], dix[1:]


def make_text(n_chars):
    g = torch.Generator().manual_seed(0)
    words = ["the", "king", "shall", "speak", "of", "war", "and", "peace", "to", "his", "good", "lords"]
    out = []
    while sum(len(w) + 1 for w in out) < n_chars:
        out.append(words[int(torch.randint(len(words), (1,), generator=g))])
    return " ".join(out)[:n_chars]


# ---------------------------------------------------------------------------------- trainer
@dataclass
class TrainerConfig:
    max_epochs: int = 3
    batch_size: int = 32
    grad_norm_clip: float = 1.0
    snapshot_path: str = ""
    save_every: int = 1


@dataclass
class Snapshot:
    model_state: Any
    optimizer_state: Any
    finished_epoch: int


class Trainer:
    def __init__(self, config, model, optimizer, train_dataset, test_dataset, bug):
        self.config = config
        self.local_rank = int(os.environ["LOCAL_RANK"])
        self.global_rank = int(os.environ["RANK"])
        self.train_loader = self._prepare_dataloader(train_dataset)
        self.test_loader = self._prepare_dataloader(test_dataset)
        self.epochs_run = 0
        self.model = model
        self.optimizer = optimizer
        self.bug = bug
        self.running = None
        self.skipped = 0
        self._load_snapshot()
        self.model = DDP(self.model)  # DDP broadcasts rank 0's weights here

    def _prepare_dataloader(self, dataset):
        return DataLoader(dataset, batch_size=self.config.batch_size, shuffle=False,
                          sampler=DistributedSampler(dataset))

    def _load_snapshot(self):
        if not os.path.exists(self.config.snapshot_path):
            print("Snapshot not found. Training model from scratch")
            return
        data = torch.load(self.config.snapshot_path, map_location="cpu")
        snapshot = Snapshot(**data)
        self.model.load_state_dict(snapshot.model_state)
        self.optimizer.load_state_dict(snapshot.optimizer_state)
        self.epochs_run = snapshot.finished_epoch

    def _run_batch(self, source, targets, train=True):
        with torch.set_grad_enabled(train):
            _, loss = self.model(source, targets)
        if train:
            if self.bug != "no-zero-grad":
                self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_norm_clip)
            value = loss.item()
            if self.bug == "local-loss-gate" and self.running is not None and value > self.running:
                self.skipped += 1  # the bug: this rank's own loss decides; the other rank may step
            else:
                self.optimizer.step()
            self.running = value if self.running is None else 0.9 * self.running + 0.1 * value
        return loss.item()

    def _run_epoch(self, epoch, dataloader, train=True):
        dataloader.sampler.set_epoch(epoch)
        total, n = 0.0, 0
        for source, targets in dataloader:
            total += self._run_batch(source, targets, train)
            n += 1
        step_type = "Train" if train else "Eval"
        print(f"[RANK{self.global_rank}] Epoch {epoch} | {step_type} Loss {total / max(n, 1):.5f}")

    def _save_snapshot(self, epoch):
        raw_model = self.model.module if hasattr(self.model, "module") else self.model
        snapshot = Snapshot(model_state=raw_model.state_dict(),
                            optimizer_state=self.optimizer.state_dict(), finished_epoch=epoch)
        torch.save(asdict(snapshot), self.config.snapshot_path)
        print(f"Snapshot saved at epoch {epoch}")

    def train(self):
        for epoch in range(self.epochs_run, self.config.max_epochs):
            epoch += 1
            self._run_epoch(epoch, self.train_loader, train=True)
            if self.local_rank == 0 and epoch % self.config.save_every == 0:
                self._save_snapshot(epoch)
            if self.test_loader:
                if self.bug != "eval-in-train-mode":
                    self.model.eval()
                self._run_epoch(epoch, self.test_loader, train=False)
                self.model.train()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--chars", type=int, default=4200)
    parser.add_argument("--bug", default="", choices=BUGS)
    args = parser.parse_args()
    dist.init_process_group("gloo")
    torch.manual_seed(3407)  # main.py's set_seed: the same seed on every rank
    text = make_text(args.chars)
    dataset = CharDataset(text, block_size=32)
    train_len = int(len(dataset) * 0.9)
    train_set, test_set = random_split(dataset, [train_len, len(dataset) - train_len],
                                       generator=torch.Generator().manual_seed(0))
    model = GPT(GPTConfig(vocab_size=dataset.vocab_size))
    optimizer = model.configure_optimizers(lr=3e-3, weight_decay=0.1)
    name = [tempfile.mkdtemp(prefix="mingpt-ddp-") if dist.get_rank() == 0 else None]
    dist.broadcast_object_list(name, src=0)
    cfg = TrainerConfig(max_epochs=args.epochs, snapshot_path=os.path.join(name[0], "snapshot.pt"))
    trainer = Trainer(cfg, model, optimizer, train_set, test_set, args.bug)
    trainer.train()
    if args.bug == "local-loss-gate":
        print(f"[RANK{dist.get_rank()}] skipped {trainer.skipped} steps")
    dist.barrier()
    if dist.get_rank() == 0:
        for f in os.listdir(name[0]):
            os.remove(os.path.join(name[0], f))
        os.rmdir(name[0])
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
