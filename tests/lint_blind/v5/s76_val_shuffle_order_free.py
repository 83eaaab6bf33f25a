# expect: clean
# style: behaviour-cloning script (imitation learning from logged (obs, action) pairs), argparse + tqdm
# note: the validation loader uses shuffle=True, but evaluation only sums per-batch correct counts and losses, so the result does not depend on the order
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class BCPolicy(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU(), nn.LayerNorm(hidden),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_actions))

    def forward(self, obs):
        return self.net(obs)


@torch.no_grad()
def evaluate(policy, loader):
    policy.eval()
    loss_sum, correct, n = 0.0, 0, 0
    for obs, act in loader:
        logits = policy(obs)
        loss_sum += F.cross_entropy(logits, act, reduction="sum").item()
        correct += (logits.argmax(-1) == act).sum().item()
        n += act.numel()
    return loss_sum / n, correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    obs = torch.randn(60000, 17)
    act = (obs[:, :4].argmax(1) + (obs[:, 4] > 1).long()) % 6
    train_loader = DataLoader(TensorDataset(obs[:50000], act[:50000]), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(obs[50000:], act[50000:]), batch_size=1024, shuffle=True)
    policy = BCPolicy(17, 6)
    optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        policy.train()
        for o, a in tqdm(train_loader, desc=f"epoch {epoch}", leave=False):
            loss = F.cross_entropy(policy(o), a)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        val_loss, val_acc = evaluate(policy, val_loader)
        print(f"epoch {epoch}: val_loss {val_loss:.4f} val_acc {val_acc:.3f}")


if __name__ == "__main__":
    main()
