"""Two ranks in the shape of public DDP/FSDP2 scripts (benchmarks/real_code_distributed): the
optimizer is made before DistributedDataParallel wraps the model (the DDP tutorial's and
minGPT-ddp's Trainer). Options: --rank0-load (rank 0 loads other weights after wrapping: the
copies differ from the first iteration), --extra-opt (rank 0 alone first builds a model and an
optimizer it never steps, to write a snapshot), --same-data (every rank draws the same
batches), --fsdp (fully_shard per layer and the root
instead of DDP), --no-zero-grad (zero_grad never called), --replace-head (the last layer replaced
after the optimizer was made, before wrapping: a fine-tuning edit; each rank's old head differs,
and no rank uses it), --whole-data (a DataLoader with shuffle=True and no DistributedSampler over
one dataset, each rank shuffling with its own seed), --subset-data (the same, but each rank's
loader reads its own Subset: a hand-made shard), --val-loader (batches drawn by hand, and every
third iteration a full evaluation pass over a DataLoader of one dataset on every rank: not the
training data). Plain PyTorch."""

import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

torch.set_num_threads(1)
args = set(sys.argv[1:])
dist.init_process_group("gloo")
rank = dist.get_rank()


def make():
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    return model, torch.optim.SGD(model.parameters(), lr=0.05)


if "--extra-opt" in args and rank == 0:
    torch.manual_seed(7)
    snapshot_model, _ = make()
    snapshot = snapshot_model.state_dict()
torch.manual_seed(rank)
model, opt = make()  # the optimizer first, then the wrapper
if "--replace-head" in args:
    model[2] = nn.Linear(16, 1)
if "--fsdp" in args:
    from torch.distributed.fsdp import fully_shard

    fully_shard(model[0])
    wrapped = fully_shard(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)  # FSDP2 swaps the parameters: a new optimizer
else:
    wrapped = DDP(model)
if "--rank0-load" in args and rank == 0:
    torch.manual_seed(99)
    wrapped.module.load_state_dict(make()[0].state_dict())
gen = torch.Generator().manual_seed(100 + (0 if "--same-data" in args else rank))
batches = (torch.randn(8, 4, generator=gen) for _ in range(12))
if "--whole-data" in args or "--subset-data" in args:
    from torch.utils.data import DataLoader, Subset, TensorDataset

    data = TensorDataset(torch.randn(96, 4, generator=torch.Generator().manual_seed(3)))  # the same on every rank
    if "--subset-data" in args:
        data = Subset(data, range(rank, len(data), dist.get_world_size()))
    loader = DataLoader(data, batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(rank))
    batches = (x for _ in range(2) for (x,) in loader)
val = None
if "--val-loader" in args:
    from torch.utils.data import DataLoader, TensorDataset

    val = DataLoader(TensorDataset(torch.randn(32, 4, generator=torch.Generator().manual_seed(4))), batch_size=8)
for i, x in enumerate(batches):
    if val is not None and i % 3 == 0:
        with torch.no_grad():
            for (v,) in val:
                wrapped(v)
    loss = F.mse_loss(wrapped(x), x[:, :1])
    if "--no-zero-grad" not in args:
        opt.zero_grad()
    loss.backward()
    opt.step()
dist.destroy_process_group()
