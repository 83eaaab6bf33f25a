# expect: TVL013
# style: distributed-ready research trainer (DDP optional) for speaker embedding (speech), argparse
# bug: Trainer.compute_loss calls self.model.forward(...) on the (possibly DDP-wrapped) model, skipping nn.Module.__call__ and its hooks (DDP's gradient-sync preparation runs there).
import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


class XVector(nn.Module):
    def __init__(self, n_mels=40, emb=192, n_spk=500):
        super().__init__()
        self.tdnn = nn.Sequential(
            nn.Conv1d(n_mels, 256, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(256),
            nn.Conv1d(256, 256, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(256),
            nn.Conv1d(256, 256, 3, dilation=3), nn.ReLU(), nn.BatchNorm1d(256),
        )
        self.emb = nn.Linear(512, emb)
        self.cls = nn.Linear(emb, n_spk)

    def forward(self, feats):
        h = self.tdnn(feats)
        stats = torch.cat([h.mean(-1), h.std(-1)], dim=1)
        return self.cls(F.relu(self.emb(stats)))


class Trainer:
    def __init__(self, args):
        self.distributed = "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1
        if self.distributed:
            dist.init_process_group("nccl")
            self.rank = dist.get_rank()
            torch.cuda.set_device(self.rank)
        else:
            self.rank = 0
        self.device = torch.device("cuda", self.rank) if torch.cuda.is_available() else torch.device("cpu")
        model = XVector().to(self.device)
        self.model = DDP(model, device_ids=[self.rank]) if self.distributed else model
        self.opt = torch.optim.SGD(self.model.parameters(), lr=args.lr, momentum=0.9, weight_decay=2e-5)
        self.args = args

    def compute_loss(self, feats, spk):
        logits = self.model.forward(feats.to(self.device))
        return F.cross_entropy(logits, spk.to(self.device))

    def loader(self):
        ds = TensorDataset(torch.randn(4000, 40, 200), torch.randint(0, 500, (4000,)))
        sampler = DistributedSampler(ds, shuffle=True) if self.distributed else None
        return DataLoader(ds, batch_size=self.args.bs, sampler=sampler, shuffle=sampler is None, num_workers=2)

    def fit(self):
        dl = self.loader()
        for epoch in range(self.args.epochs):
            if self.distributed:
                dl.sampler.set_epoch(epoch)
            self.model.train()
            tot = 0.0
            for feats, spk in dl:
                self.opt.zero_grad()
                loss = self.compute_loss(feats, spk)
                loss.backward()
                self.opt.step()
                tot += loss.item()
            if self.rank == 0:
                print(f"epoch {epoch} loss {tot / len(dl):.4f}")
                state = self.model.module.state_dict() if self.distributed else self.model.state_dict()
                torch.save(state, os.path.join(self.args.out_dir, f"xvector_{epoch}.pt"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--out-dir", default=".")
    Trainer(ap.parse_args()).fit()
