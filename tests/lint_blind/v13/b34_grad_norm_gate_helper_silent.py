# expect: TVL011
# style: research repo for RL value learning (DQN on a toy chain MDP) with a grads_ok() helper
# bug: update() skips optimizer.step() whenever grads_ok() reports a large gradient norm, and the skip is neither counted nor logged
import argparse
import collections
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ChainEnv:
    def __init__(self, n=12):
        self.n = n

    def reset(self):
        self.s = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.n, dtype=np.float32)
        o[self.s] = 1
        return o

    def step(self, a):
        self.s = min(self.s + 1, self.n - 1) if a == 1 else max(self.s - 1, 0)
        done = self.s == self.n - 1
        return self._obs(), (1.0 if done else -0.01), done


class QNet(nn.Module):
    def __init__(self, n_obs, n_act):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_obs, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_act))

    def forward(self, x):
        return self.net(x)


def grads_ok(model, max_norm):
    total = torch.norm(torch.stack([p.grad.norm() for p in model.parameters() if p.grad is not None]))
    return bool(torch.isfinite(total)) and total.item() < max_norm


def update(q, q_target, opt, batch, gamma, max_norm):
    s, a, r, s2, d = batch
    with torch.no_grad():
        target = r + gamma * (1 - d) * q_target(s2).max(1).values
    pred = q(s).gather(1, a[:, None]).squeeze(1)
    loss = F.smooth_l1_loss(pred, target)
    opt.zero_grad()
    loss.backward()
    if not grads_ok(q, max_norm):
        return loss.item()
    opt.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--max-grad-norm", type=float, default=10.0)
    ap.add_argument("--target-every", type=int, default=500)
    args = ap.parse_args()

    env = ChainEnv()
    q, q_t = QNet(env.n, 2), QNet(env.n, 2)
    q_t.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=5e-4)
    buf = collections.deque(maxlen=50000)
    obs, ep_ret, returns = env.reset(), 0.0, []
    for t in range(args.steps):
        eps = max(0.05, 1 - t / 10000)
        if random.random() < eps:
            a = random.randrange(2)
        else:
            with torch.no_grad():
                a = q(torch.as_tensor(obs)[None]).argmax(1).item()
        obs2, r, done = env.step(a)
        buf.append((obs, a, r, obs2, float(done)))
        obs, ep_ret = (env.reset(), 0.0) if done else (obs2, ep_ret + r)
        if done:
            returns.append(ep_ret + r)
        if len(buf) >= 1000:
            sample = random.sample(buf, 64)
            batch = [torch.as_tensor(np.array(x)) for x in zip(*sample)]
            batch[1] = batch[1].long()
            batch[2] = batch[2].float()
            update(q, q_t, opt, batch, args.gamma, args.max_grad_norm)
        if t % args.target_every == 0:
            q_t.load_state_dict(q.state_dict())
        if t % 2000 == 0 and returns:
            print(f"t={t} eps={eps:.2f} avg_return={np.mean(returns[-20:]):.3f}")


if __name__ == "__main__":
    main()
