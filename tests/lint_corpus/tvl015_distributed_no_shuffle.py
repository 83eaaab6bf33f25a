# expect: TVL015
# A DistributedSampler with shuffle=False for the training set: each rank sees the same slice in
# the same order every epoch.
import torch.distributed as dist
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler


def training_loader(train_ds, bs):
    sampler = DistributedSampler(train_ds, num_replicas=dist.get_world_size(), rank=dist.get_rank(), shuffle=False)
    return DataLoader(train_ds, batch_size=bs, sampler=sampler, pin_memory=True)
