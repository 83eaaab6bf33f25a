# expect: TVL012
# style: TRL-like RLHF PPO loop for a small policy LM (rollout, KL-penalized reward, clipped update)
# bug: stats accumulation `epoch_loss = epoch_loss + loss` sums loss tensors across minibatches, retaining all their graphs
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class PolicyWithValueHead(nn.Module):
    def __init__(self, vocab=1000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.body = nn.GRU(d, d, batch_first=True)
        self.lm_head = nn.Linear(d, vocab)
        self.v_head = nn.Linear(d, 1)

    def forward(self, ids):
        h, _ = self.body(self.emb(ids))
        return self.lm_head(h), self.v_head(h).squeeze(-1)


def logprobs_of(logits, ids):
    return torch.gather(F.log_softmax(logits[:, :-1], -1), 2, ids[:, 1:, None]).squeeze(-1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--ppo_epochs", type=int, default=4)
    p.add_argument("--mini_batch_size", type=int, default=8)
    p.add_argument("--init_kl_coef", type=float, default=0.2)
    p.add_argument("--cliprange", type=float, default=0.2)
    cfg = p.parse_args()
    policy = PolicyWithValueHead()
    ref = PolicyWithValueHead()
    ref.load_state_dict(policy.state_dict())
    ref.requires_grad_(False)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1.41e-5)
    for step in range(cfg.steps):
        queries = torch.randint(0, 1000, (32, 24))
        with torch.no_grad():
            logits, values = policy(queries)
            old_logp = logprobs_of(logits, queries)
            ref_logp = logprobs_of(ref(queries)[0], queries)
            scores = torch.randn(32)
            rewards = -cfg.init_kl_coef * (old_logp - ref_logp)
            rewards[:, -1] += scores
            adv = rewards - values[:, :-1]
            returns = rewards
        policy.train()
        epoch_loss = 0.0
        for _ in range(cfg.ppo_epochs):
            for mb in torch.randperm(32).split(cfg.mini_batch_size):
                lg, v = policy(queries[mb])
                ratio = torch.exp(logprobs_of(lg, queries[mb]) - old_logp[mb])
                pg = torch.max(-adv[mb] * ratio, -adv[mb] * ratio.clamp(1 - cfg.cliprange, 1 + cfg.cliprange)).mean()
                loss = pg + 0.1 * F.mse_loss(v[:, :-1], returns[mb])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                epoch_loss = epoch_loss + loss
        print(f"step {step} ppo/loss/total {float(epoch_loss) / cfg.ppo_epochs:.4f} env/reward_mean {scores.mean():.3f}")


if __name__ == "__main__":
    main()
