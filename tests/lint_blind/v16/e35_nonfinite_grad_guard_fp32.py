# expect: TVL011
# style: Trainer class for a graph-level molecular property regressor, custom non-finite guard without AMP
# bug: optimizer_step() quietly returns without stepping whenever any gradient is non-finite; no counter, log line or metric records how many updates were dropped
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger("molprop")


def random_molecule(rng_seed, n_atom_types=12):
    g = torch.Generator().manual_seed(rng_seed)
    n = int(torch.randint(5, 30, (1,), generator=g))
    atoms = torch.randint(0, n_atom_types, (n,), generator=g)
    adj = (torch.rand(n, n, generator=g) < 0.15).float()
    adj = ((adj + adj.t()) > 0).float()
    y = atoms.float().mean() * 0.3 + adj.sum() / (n * n)
    return atoms, adj, y


class MPNN(nn.Module):
    def __init__(self, n_types=12, d=64, steps=3):
        super().__init__()
        self.emb = nn.Embedding(n_types, d)
        self.msg = nn.ModuleList([nn.Linear(d, d) for _ in range(steps)])
        self.upd = nn.ModuleList([nn.GRUCell(d, d) for _ in range(steps)])
        self.readout = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1))

    def forward(self, atoms, adj):
        h = self.emb(atoms)
        for m, u in zip(self.msg, self.upd):
            h = u(adj @ m(h), h)
        return self.readout(h.sum(0)).squeeze(-1)


class Trainer:
    def __init__(self, model, lr=1e-3, batch_mols=32):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.batch_mols = batch_mols
        self.history = []

    def optimizer_step(self):
        for p in self.model.parameters():
            if p.grad is not None and not torch.isfinite(p.grad).all():
                return
        self.opt.step()

    def train_epoch(self, dataset, epoch):
        self.model.train()
        order = torch.randperm(len(dataset)).tolist()
        total = 0.0
        for s in range(0, len(order), self.batch_mols):
            idx = order[s:s + self.batch_mols]
            self.opt.zero_grad()
            preds = torch.stack([self.model(dataset[i][0], dataset[i][1]) for i in idx])
            target = torch.stack([dataset[i][2] for i in idx])
            loss = F.mse_loss(preds, target)
            loss.backward()
            self.optimizer_step()
            total += loss.item() * len(idx)
        self.history.append(total / len(dataset))
        logger.info("epoch %d mse %.5f", epoch, self.history[-1])

    @torch.no_grad()
    def evaluate(self, dataset):
        self.model.eval()
        err = [(self.model(a, adj) - y).abs().item() for a, adj, y in dataset]
        self.model.train()
        return sum(err) / len(err)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_set = [random_molecule(i) for i in range(3000)]
    val_set = [random_molecule(100000 + i) for i in range(300)]
    trainer = Trainer(MPNN())
    best = math.inf
    for epoch in range(25):
        trainer.train_epoch(train_set, epoch)
        mae = trainer.evaluate(val_set)
        logger.info("epoch %d val_mae %.4f", epoch, mae)
        if mae < best:
            best = mae
            torch.save(trainer.model.state_dict(), "mpnn_best.pt")
