# expect: clean
# style: MAML few-shot classification (torch.func.functional_call, second-order inner loop)
# note: the inner loop uses torch.autograd.grad with create_graph=True (no optimizer involved); the outer loop does zero_grad -> backward -> step in the right order
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call


class ConvLearner(nn.Module):
    def __init__(self, n_way=5):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.BatchNorm2d(32, track_running_stats=False), nn.ReLU(),
                                      nn.Conv2d(32, 32, 3, 2, 1), nn.BatchNorm2d(32, track_running_stats=False), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.logits = nn.Linear(32, n_way)

    def forward(self, x):
        return self.logits(self.features(x))


def sample_episode(n_way=5, k_shot=1, q=15):
    xs, ys = torch.randn(n_way * k_shot, 1, 28, 28), torch.arange(n_way).repeat_interleave(k_shot)
    xq, yq = torch.randn(n_way * q, 1, 28, 28), torch.arange(n_way).repeat_interleave(q)
    return xs, ys, xq, yq


def inner_adapt(model, xs, ys, lr, steps):
    fast = dict(model.named_parameters())
    for _ in range(steps):
        loss = F.cross_entropy(functional_call(model, fast, (xs,)), ys)
        grads = torch.autograd.grad(loss, tuple(fast.values()), create_graph=True)
        fast = {name: w - lr * g for (name, w), g in zip(fast.items(), grads)}
    return fast


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta_batch_size", type=int, default=4)
    ap.add_argument("--num_iterations", type=int, default=1000)
    ap.add_argument("--update_lr", type=float, default=0.4)
    ap.add_argument("--update_step", type=int, default=5)
    args = ap.parse_args()
    learner = ConvLearner()
    meta_optim = torch.optim.Adam(learner.parameters(), lr=1e-3)
    learner.train()
    for it in range(args.num_iterations):
        meta_optim.zero_grad()
        qry_losses, accs = [], []
        for _ in range(args.meta_batch_size):
            xs, ys, xq, yq = sample_episode()
            fast = inner_adapt(learner, xs, ys, args.update_lr, args.update_step)
            logits_q = functional_call(learner, fast, (xq,))
            qry_losses.append(F.cross_entropy(logits_q, yq))
            accs.append((logits_q.argmax(1) == yq).float().mean().item())
        meta_loss = torch.stack(qry_losses).mean()
        meta_loss.backward()
        meta_optim.step()
        if it % 50 == 0:
            print(f"step {it}: query loss {meta_loss.item():.4f} acc {sum(accs) / len(accs):.3f}")
