# expect: clean
# style: torchtune/TRL-style DPO recipe (policy + frozen reference model, concatenated_forward, reference log-probs under no_grad)
# note: the reference model runs under torch.no_grad() and is frozen; the policy log-probs keep their graph, so the DPO loss reaches the policy
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Policy(nn.Module):
    def __init__(self, vocab=2048, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.GRU(d, d, batch_first=True)
        self.head = nn.Linear(d, vocab)

    def forward(self, tokens):
        h, _ = self.rnn(self.emb(tokens))
        return self.head(h)


def sequence_logps(model, tokens):
    logits = model(tokens[:, :-1])
    logps = torch.gather(F.log_softmax(logits, -1), 2, tokens[:, 1:].unsqueeze(-1)).squeeze(-1)
    return logps.sum(-1)


def concatenated_forward(model, chosen, rejected):
    logps = sequence_logps(model, torch.cat([chosen, rejected], 0))
    return logps[: chosen.size(0)], logps[chosen.size(0):]


def dpo_loss(pc, pr, rc, rr, beta):
    logits = (pc - pr) - (rc - rr)
    return -F.logsigmoid(beta * logits).mean(), (beta * (pc - rc)).detach(), (beta * (pr - rr)).detach()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=5e-5)
    args = ap.parse_args()
    policy = Policy()
    ref_policy = copy.deepcopy(policy).requires_grad_(False).eval()
    optimizer = torch.optim.AdamW(policy.parameters(), lr=args.lr)
    pairs = TensorDataset(torch.randint(0, 2048, (512, 40)), torch.randint(0, 2048, (512, 40)))
    loader = DataLoader(pairs, batch_size=16, shuffle=True)
    for epoch in range(args.epochs):
        policy.train()
        for step, (chosen, rejected) in enumerate(loader):
            policy_chosen, policy_rejected = concatenated_forward(policy, chosen, rejected)
            with torch.no_grad():
                ref_chosen, ref_rejected = concatenated_forward(ref_policy, chosen, rejected)
            loss, chosen_rewards, rejected_rewards = dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, args.beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % 10 == 0:
                acc = (chosen_rewards > rejected_rewards).float().mean().item()
                print(f"epoch {epoch} step {step} loss {loss.item():.4f} reward_acc {acc:.3f}")
