# expect: clean
# style: MoCo v2 self-supervised pretraining class with a momentum key encoder, queue of negatives, .detach() and no_grad
# note: the key encoder forward runs under no_grad and keys are detached before entering the queue, but the query encoder (the one being optimized) runs with gradients and is the path to the InfoNCE loss
import argparse
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("moco")


def encoder(dim=128):
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, dim))


class MoCo(nn.Module):
    def __init__(self, dim=128, K=4096, m=0.999, T=0.2):
        super().__init__()
        self.K, self.m, self.T = K, m, T
        self.encoder_q = encoder(dim)
        self.encoder_k = copy.deepcopy(self.encoder_q)
        for p in self.encoder_k.parameters():
            p.requires_grad = False
        self.register_buffer("queue", F.normalize(torch.randn(dim, K), dim=0))
        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))

    @torch.no_grad()
    def _momentum_update(self):
        for q, k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            k.data = k.data * self.m + q.data * (1.0 - self.m)

    @torch.no_grad()
    def _enqueue(self, keys):
        ptr = int(self.queue_ptr)
        n = keys.size(0)
        self.queue[:, ptr:ptr + n] = keys.t()
        self.queue_ptr[0] = (ptr + n) % self.K

    def forward(self, im_q, im_k):
        q = F.normalize(self.encoder_q(im_q), dim=1)
        with torch.no_grad():
            self._momentum_update()
            k = F.normalize(self.encoder_k(im_k), dim=1)
        l_pos = (q * k).sum(1, keepdim=True)
        l_neg = q @ self.queue.clone().detach()
        logits = torch.cat([l_pos, l_neg], 1) / self.T
        labels = torch.zeros(logits.size(0), dtype=torch.long, device=logits.device)
        self._enqueue(k.detach())
        return logits, labels


def two_crops(x):
    return x + 0.1 * torch.randn_like(x), torch.flip(x, dims=[3]) + 0.1 * torch.randn_like(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.03)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(TensorDataset(torch.randn(8192, 3, 32, 32)), batch_size=256, shuffle=True, drop_last=True)
    model = MoCo()
    opt = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=args.lr, momentum=0.9,
                          weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        tot = top1 = 0.0
        for (x,) in loader:
            q_img, k_img = two_crops(x)
            logits, labels = model(q_img, k_img)
            loss = F.cross_entropy(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
            top1 += (logits.argmax(1) == labels).float().mean().item()
        sched.step()
        log.info("epoch %d loss %.4f inst-acc %.3f", epoch, tot / len(loader), top1 / len(loader))
    torch.save(model.encoder_q.state_dict(), "moco_encoder_q.pt")


if __name__ == "__main__":
    main()
