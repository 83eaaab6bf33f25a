# real: source=https://github.com/pytorch/examples/blob/main/distributed/ddp-tutorial-series/multigpu.py
# real: launch=spawn
# real: args=4 2
# real: bug=one-class-cross-entropy expect=parameters-not-moving,dead-parameters,loss-input-mismatch
# real: bug=no-sampler expect=duplicate-data-across-ranks
# real: bug=checkpoint-rank0-after-wrap expect=ranks-out-of-sync
"""pytorch/examples DDP tutorial series, multigpu.py: the version that starts its own ranks with
torch.multiprocessing.spawn (each process sets MASTER_ADDR/MASTER_PORT, init_process_group with
its rank and the world size), a Trainer that wraps the model in DDP, a DistributedSampler with
set_epoch per epoch, and rank 0 saving the model's state every `save_every` epochs.
Run as the tutorial runs it, `python multigpu.py TOTAL_EPOCHS SAVE_EVERY`, here under plain
`torchvitals run` (no --nproc: the script makes its ranks).
Changed: gloo on CPU instead of nccl and one GPU per rank; two processes instead of one per GPU;
MASTER_PORT taken from the environment when set (the tutorial fixes 12355); the dataset of
(rand(20), rand(1)) pairs built from a seeded generator with a learnable target; a 20-64-1 MLP
instead of Linear(20, 1) and mse_loss instead of the published F.cross_entropy on one output
column (kept as --bug one-class-cross-entropy: a softmax over one class, no gradient); the
checkpoint goes to a temporary folder. Bugs: one-class-cross-entropy (the published loss),
no-sampler (shuffle=True instead of the DistributedSampler: every freshly spawned process
starts torch from the same seed, so both ranks draw the same batches), checkpoint-rank0-after-wrap
(rank 0 alone loads an earlier checkpoint after DDP has wrapped the model). The dataset, model
and loader are _datautils.py's, shared with ddp_tutorial.py (upstream: datautils.py)."""

import argparse
import os
import sys
import tempfile

import torch
import torch.multiprocessing as mp
import torch.nn.functional as F
from _datautils import load_train_objs, mlp, prepare_dataloader
from torch.distributed import barrier, destroy_process_group, init_process_group
from torch.nn.parallel import DistributedDataParallel as DDP

BUGS = ["", "one-class-cross-entropy", "no-sampler", "checkpoint-rank0-after-wrap"]
WORLD = 2



def ddp_setup(rank, world_size):
    os.environ["MASTER_ADDR"] = "localhost"
    os.environ.setdefault("MASTER_PORT", "12355")
    init_process_group(backend="gloo", rank=rank, world_size=world_size)


class Trainer:
    def __init__(self, model, train_data, optimizer, gpu_id, save_every, folder, bug):
        self.gpu_id = gpu_id
        self.train_data = train_data
        self.optimizer = optimizer
        self.save_every = save_every
        self.folder = folder
        self.bug = bug
        self.model = DDP(model)
        if bug == "checkpoint-rank0-after-wrap" and gpu_id == 0:
            earlier = torch.load(os.path.join(folder, "earlier.pt"), map_location="cpu")
            self.model.module.load_state_dict(earlier)  # the bug: one rank, after DDP's broadcast

    def _run_batch(self, source, targets):
        self.optimizer.zero_grad()
        output = self.model(source)
        loss = F.cross_entropy(output, targets) if self.bug == "one-class-cross-entropy" else F.mse_loss(output, targets)
        loss.backward()
        self.optimizer.step()

    def _run_epoch(self, epoch):
        b_sz = len(next(iter(self.train_data))[0])
        print(f"[GPU{self.gpu_id}] Epoch {epoch} | Batch size: {b_sz} | Steps: {len(self.train_data)}")
        if self.bug != "no-sampler":
            self.train_data.sampler.set_epoch(epoch)
        for source, targets in self.train_data:
            self._run_batch(source, targets)

    def _save_checkpoint(self, epoch):
        ckp = self.model.module.state_dict()
        path = os.path.join(self.folder, "checkpoint.pt")
        torch.save(ckp, path)
        print(f"Epoch {epoch} | Training checkpoint saved at {path}")

    def train(self, max_epochs):
        for epoch in range(max_epochs):
            self._run_epoch(epoch)
            if self.gpu_id == 0 and epoch % self.save_every == 0:
                self._save_checkpoint(epoch)




def main(rank, world_size, save_every, total_epochs, batch_size, folder, bug):
    torch.set_num_threads(1)
    ddp_setup(rank, world_size)
    dataset, model, optimizer = load_train_objs()
    if bug == "checkpoint-rank0-after-wrap" and rank == 0:
        torch.save(mlp().state_dict(), os.path.join(folder, "earlier.pt"))
    barrier()
    train_data = prepare_dataloader(dataset, batch_size, bug)
    trainer = Trainer(model, train_data, optimizer, rank, save_every, folder, bug)
    trainer.train(total_epochs)
    destroy_process_group()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="simple distributed training job")
    parser.add_argument("total_epochs", type=int, help="Total epochs to train the model")
    parser.add_argument("save_every", type=int, help="How often to save a snapshot")
    parser.add_argument("--batch_size", default=32, type=int, help="Input batch size on each device (default: 32)")
    parser.add_argument("--bug", default="", choices=BUGS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddp-tutorial-spawn-") as folder:
        mp.spawn(main, args=(WORLD, args.save_every, args.total_epochs, args.batch_size, folder, args.bug), nprocs=WORLD)
    sys.exit(0)
