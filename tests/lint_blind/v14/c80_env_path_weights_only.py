# expect: clean
# style: inference+fine-tune service job reading its checkpoint path from the environment
# note: torch.load reads a path taken from an environment variable, but always with weights_only=True (and the warm-start state is a plain state_dict)
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("svc")

WARM_START = os.environ.get("WARM_START_CKPT")
OUT_DIR = os.environ.get("OUT_DIR", "./out")
EPOCHS = int(os.environ.get("EPOCHS", "5"))


def safe_load_state(path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    if "model" in state:
        state = state["model"]
    return {k.removeprefix("module."): v for k, v in state.items()}


class KeywordRanker(nn.Module):
    """Scores (query, document) token-bag pairs."""

    def __init__(self, vocab=20000, d=96):
        super().__init__()
        self.q = nn.EmbeddingBag(vocab, d)
        self.d = nn.EmbeddingBag(vocab, d)
        self.mlp = nn.Sequential(nn.Linear(3 * d, 128), nn.ReLU(), nn.Linear(128, 1))

    def forward(self, q_ids, d_ids):
        q, d = self.q(q_ids), self.d(d_ids)
        return self.mlp(torch.cat([q, d, q * d], -1)).squeeze(-1)


def main():
    logging.basicConfig(level=logging.INFO)
    os.makedirs(OUT_DIR, exist_ok=True)
    model = KeywordRanker()
    if WARM_START:
        missing, unexpected = model.load_state_dict(safe_load_state(WARM_START), strict=False)
        log.info("warm start from %s, missing=%s unexpected=%s", WARM_START, missing, unexpected)

    g = torch.Generator().manual_seed(0)
    q = torch.randint(0, 20000, (20000, 6), generator=g)
    d = torch.randint(0, 20000, (20000, 40), generator=g)
    d[:10000, :3] = q[:10000, :3]
    label = torch.cat([torch.ones(10000), torch.zeros(10000)])
    loader = DataLoader(TensorDataset(q, d, label), batch_size=256, shuffle=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    for epoch in range(EPOCHS):
        model.train()
        tot = correct = 0.0
        for qb, db, yb in loader:
            logits = model(qb, db)
            loss = F.binary_cross_entropy_with_logits(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(yb)
            correct += ((logits > 0).float() == yb).sum().item()
        log.info("epoch %d loss %.4f acc %.4f", epoch, tot / len(label), correct / len(label))
    torch.save(model.state_dict(), os.path.join(OUT_DIR, "ranker.pt"))


if __name__ == "__main__":
    main()
