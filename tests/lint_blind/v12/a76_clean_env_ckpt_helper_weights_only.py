# expect: clean
# style: recommender/session-based GRU4Rec fine-tuning, pretrained weights path from an environment variable, loading in a utility
# note: the checkpoint path comes from os.environ, but the loader helper always passes weights_only=True to torch.load
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger("gru4rec")


def safe_load(path, device="cpu"):
    """Load a state dict without executing arbitrary pickled code."""
    obj = torch.load(path, map_location=device, weights_only=True)
    return obj.get("state_dict", obj)


class GRU4Rec(nn.Module):
    def __init__(self, n_items, d=128, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(n_items + 1, d, padding_idx=0)
        self.gru = nn.GRU(d, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_items + 1)

    def forward(self, sessions):
        h, _ = self.gru(self.emb(sessions))
        return self.out(h)


def recall_mrr(logits, target, k=20):
    topk = logits.topk(k, dim=-1).indices
    hit = topk == target[:, None]
    recall = hit.any(-1).float().mean().item()
    ranks = hit.float().argmax(-1) + 1
    mrr = (hit.any(-1).float() / ranks.float()).mean().item()
    return recall, mrr


def main():
    n_items = int(os.environ.get("N_ITEMS", 20000))
    ckpt = os.environ.get("GRU4REC_PRETRAINED")
    device = os.environ.get("DEVICE", "cpu")
    model = GRU4Rec(n_items).to(device)
    if ckpt:
        missing, unexpected = model.load_state_dict(safe_load(ckpt, device), strict=False)
        logger.info("warm start from %s, missing=%s unexpected=%s", ckpt, missing, unexpected)

    sessions = torch.randint(1, n_items + 1, (40000, 20))
    sessions[:, 15:][torch.rand(40000, 5) < 0.5] = 0
    split = 36000
    train_dl = DataLoader(TensorDataset(sessions[:split]), batch_size=256, shuffle=True)
    val_dl = DataLoader(TensorDataset(sessions[split:]), batch_size=1024)
    opt = torch.optim.Adam(model.parameters(), lr=float(os.environ.get("LR", 1e-3)))

    for epoch in range(int(os.environ.get("EPOCHS", 5))):
        model.train()
        tot = 0.0
        for (s,) in train_dl:
            s = s.to(device)
            logits = model(s[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), s[:, 1:].reshape(-1), ignore_index=0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        rs, ms = [], []
        with torch.no_grad():
            for (s,) in val_dl:
                s = s.to(device)
                logits = model(s[:, :14])[:, -1]
                r, m = recall_mrr(logits, s[:, 14])
                rs.append(r)
                ms.append(m)
        logger.info("epoch %d loss %.4f recall@20 %.4f mrr@20 %.4f", epoch, tot / len(train_dl),
                    sum(rs) / len(rs), sum(ms) / len(ms))
    torch.save({"state_dict": model.state_dict()}, os.environ.get("OUT", "gru4rec.pt"))


if __name__ == "__main__":
    main()
