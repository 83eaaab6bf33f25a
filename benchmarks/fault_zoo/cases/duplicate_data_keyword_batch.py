# zoo: expect=duplicate-data-across-ranks
# zoo: nproc=2
# zoo: source=common mistake (a Hugging Face-style model(**batch) loop without a DistributedSampler)
"""Fault (DDP, 2 ranks): a token classifier called the way Hugging Face models are,
`model(**batch)` with a dict of `input_ids`, `attention_mask` and `labels`, trained from a
DataLoader written for one process (shuffle=True, one seed, no DistributedSampler). Every rank
reads the same batches, and the model's input reaches it only as a keyword argument
(duplicate-data-across-ranks). --fixed: a DistributedSampler, with set_epoch() every epoch."""

import argparse

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args()
dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)


class Tokens(Dataset):
    """Label 1 sequences draw their tokens from the upper half of the vocabulary."""

    def __init__(self, n: int = 512, length: int = 12, vocab: int = 64) -> None:
        g = torch.Generator().manual_seed(0)
        self.labels = torch.randint(0, 2, (n,), generator=g)
        self.ids = torch.randint(0, vocab // 2, (n, length), generator=g) + (vocab // 2) * self.labels[:, None]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"attention_mask": torch.ones(self.ids.shape[1], dtype=torch.long), "input_ids": self.ids[i],
                "labels": self.labels[i]}


class Classifier(nn.Module):
    def __init__(self, vocab: int = 64, dim: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.head = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, 2))

    def forward(self, input_ids, attention_mask, labels=None):
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (self.embed(input_ids) * mask).sum(1) / mask.sum(1)
        logits = self.head(pooled)
        return {"loss": F.cross_entropy(logits, labels), "logits": logits}


data = Tokens()
if args.fixed:
    sampler = DistributedSampler(data, shuffle=True, seed=0)
    train_loader = DataLoader(data, batch_size=16, sampler=sampler)
else:  # the bug: the single-process loader, same seed on every rank
    sampler = None
    train_loader = DataLoader(data, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))

model = DDP(Classifier())
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for epoch in range(args.epochs):
    if sampler is not None:
        sampler.set_epoch(epoch)
    for batch in train_loader:
        optimizer.zero_grad()
        out = model(**batch)
        out["loss"].backward()
        optimizer.step()
    if rank == 0:
        print(f"epoch {epoch + 1}: loss {out['loss'].item():.4f}")
dist.destroy_process_group()
