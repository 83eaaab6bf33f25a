# real: source=https://github.com/pytorch/examples/blob/main/distributed/ddp-tutorial-series/multigpu_torchrun.py
# real: args=--total_epochs 4 --save_every 2
# real: bug=no-set-epoch expect=sampler-epoch-not-set
# real: bug=no-sampler expect=duplicate-data-across-ranks
# real: bug=snapshot-rank0-after-wrap expect=ranks-out-of-sync
# real: bug=one-class-cross-entropy expect=parameters-not-moving,dead-parameters,loss-input-mismatch
"""pytorch/examples DDP tutorial series, multigpu_torchrun.py: a Trainer class (DDP-wrapped
model, DataLoader(shuffle=False, sampler=DistributedSampler), sampler.set_epoch(epoch) in
_run_epoch, zero_grad/backward/step per batch, a snapshot {MODEL_STATE, EPOCHS_RUN} saved by
rank 0 every `save_every` epochs and loaded before wrapping when it exists).
Changed: gloo on CPU instead of nccl/cuda; MyTrainDataset's (torch.rand(20), torch.rand(1))
pairs are built from a seeded generator (same dataset on every rank, as a file would be) with a
learnable target; a 20-64-1 MLP instead of Linear(20, 1); mse_loss instead of the published
F.cross_entropy on one output column (a softmax over one class: the loss is 0 and no gradient
flows; kept as --bug one-class-cross-entropy); the snapshot goes to a temporary folder.
Bugs: no-set-epoch (the tutorial's earlier version had no set_epoch call), no-sampler
(shuffle=True instead of a DistributedSampler), snapshot-rank0-after-wrap (a resumed job that
loads the snapshot on rank 0 only, after DDP has wrapped the model), one-class-cross-entropy."""

import argparse
import os
import tempfile

import torch
import torch.distributed as dist
import torch.nn.functional as F
from _datautils import load_train_objs, prepare_dataloader
from torch.distributed import destroy_process_group, init_process_group
from torch.nn.parallel import DistributedDataParallel as DDP

torch.set_num_threads(1)
BUGS = ["", "no-set-epoch", "no-sampler", "snapshot-rank0-after-wrap", "one-class-cross-entropy"]



class Trainer:
    def __init__(self, model, train_data, optimizer, save_every, snapshot_path, bug):
        self.rank = int(os.environ["LOCAL_RANK"])
        self.model = model
        self.train_data = train_data
        self.optimizer = optimizer
        self.save_every = save_every
        self.epochs_run = 0
        self.snapshot_path = snapshot_path
        self.bug = bug
        if os.path.exists(snapshot_path) and bug != "snapshot-rank0-after-wrap":
            print("Loading snapshot")
            self._load_snapshot(snapshot_path, self.model)
        self.model = DDP(self.model)
        if bug == "snapshot-rank0-after-wrap" and self.rank == 0 and os.path.exists(snapshot_path):
            self._load_snapshot(snapshot_path, self.model.module)  # the bug: one rank, after DDP's broadcast

    def _load_snapshot(self, snapshot_path, module):
        snapshot = torch.load(snapshot_path, map_location="cpu")
        module.load_state_dict(snapshot["MODEL_STATE"])
        self.epochs_run = snapshot["EPOCHS_RUN"]
        print(f"Resuming training from snapshot at Epoch {self.epochs_run}")

    def _run_batch(self, source, targets):
        self.optimizer.zero_grad()
        output = self.model(source)
        if self.bug == "one-class-cross-entropy":
            loss = F.cross_entropy(output, targets)
        else:
            loss = F.mse_loss(output, targets)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def _run_epoch(self, epoch):
        b_sz = len(next(iter(self.train_data))[0])
        if self.bug not in ("no-set-epoch", "no-sampler"):
            self.train_data.sampler.set_epoch(epoch)
        total = 0.0
        for source, targets in self.train_data:
            total += self._run_batch(source, targets)
        print(f"[RANK{self.rank}] Epoch {epoch} | Batchsize: {b_sz} | Steps: {len(self.train_data)} | "
              f"loss {total / len(self.train_data):.4f}")

    def _save_snapshot(self, epoch):
        snapshot = {"MODEL_STATE": self.model.module.state_dict(), "EPOCHS_RUN": epoch}
        torch.save(snapshot, self.snapshot_path)
        print(f"Epoch {epoch} | Training snapshot saved at {self.snapshot_path}")

    def train(self, max_epochs):
        for epoch in range(self.epochs_run, max_epochs):
            self._run_epoch(epoch)
            if self.rank == 0 and epoch % self.save_every == 0:
                self._save_snapshot(epoch)




def main():
    parser = argparse.ArgumentParser(description="simple distributed training job")
    parser.add_argument("--total_epochs", type=int, default=4)
    parser.add_argument("--save_every", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--snapshot_dir", default=None, help="default: a temporary folder")
    parser.add_argument("--bug", default="", choices=BUGS)
    args = parser.parse_args()
    init_process_group(backend="gloo")
    # every rank starts from its own random initialisation; DDP broadcasts rank 0's
    torch.manual_seed(100 + dist.get_rank())
    tmp = None
    if args.snapshot_dir is None:
        # one folder for the job: rank 0 names it, the others read the name
        name = [tempfile.mkdtemp(prefix="ddp-tutorial-") if dist.get_rank() == 0 else None]
        dist.broadcast_object_list(name, src=0)
        tmp = args.snapshot_dir = name[0]
    snapshot_path = os.path.join(args.snapshot_dir, "snapshot.pt")
    if args.bug == "snapshot-rank0-after-wrap" and dist.get_rank() == 0:
        # a job that was stopped after epoch 1: its snapshot is there when this run starts
        torch.manual_seed(7)
        _, earlier, _ = load_train_objs()
        torch.save({"MODEL_STATE": earlier.state_dict(), "EPOCHS_RUN": 1}, snapshot_path)
    dist.barrier()
    dataset, model, optimizer = load_train_objs()
    train_data = prepare_dataloader(dataset, args.batch_size, args.bug)
    trainer = Trainer(model, train_data, optimizer, args.save_every, snapshot_path, args.bug)
    if args.bug == "snapshot-rank0-after-wrap":
        trainer.epochs_run = 1  # every rank resumes at epoch 1 (only rank 0 loaded the weights)
    trainer.train(args.total_epochs)
    dist.barrier()
    if tmp is not None and dist.get_rank() == 0:
        for f in os.listdir(tmp):
            os.remove(os.path.join(tmp, f))
        os.rmdir(tmp)
    destroy_process_group()


if __name__ == "__main__":
    main()
