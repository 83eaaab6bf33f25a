# expect: TVL013
# style: distributed-style training script; model wrapped (DataParallel-like), training loop calls wrapper.forward
# bug: the loop calls `net.forward(batch)` on the wrapped module; the wrapper's __call__ (and any registered hooks) is bypassed
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ImplicitFeedbackModel(nn.Module):
    def __init__(self, n_items=5000, dim=64, hist=20):
        super().__init__()
        self.item_emb = nn.Embedding(n_items, dim, padding_idx=0)
        self.gru = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, n_items)

    def forward(self, history):
        h, _ = self.gru(self.item_emb(history))
        return self.out(h[:, -1])


def get_world():
    return int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("LOCAL_RANK", "0"))


def wrap_model(model):
    world, rank = get_world()
    if torch.cuda.is_available() and torch.cuda.device_count() > 1:
        model = nn.DataParallel(model.cuda())
    return model


def log_rank0(msg):
    _, rank = get_world()
    if rank == 0:
        print(msg, flush=True)


def make_loader(n=20000, hist=20, n_items=5000, bs=256):
    seqs = torch.randint(1, n_items, (n, hist + 1))
    return DataLoader(TensorDataset(seqs[:, :-1], seqs[:, -1]), batch_size=bs, shuffle=True, drop_last=True)


def main():
    net = wrap_model(ImplicitFeedbackModel())
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loader = make_loader()
    dev = next(net.parameters()).device
    for epoch in range(3):
        net.train()
        hits, seen, total = 0, 0, 0.0
        for hist, nxt in loader:
            hist, nxt = hist.to(dev), nxt.to(dev)
            logits = net.forward(hist)
            loss = F.cross_entropy(logits, nxt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            hits += (logits.topk(10, dim=-1).indices == nxt[:, None]).any(-1).sum().item()
            seen += len(nxt)
        log_rank0(f"epoch {epoch} loss {total/len(loader):.4f} HR@10 {hits/seen:.4f}")
        if get_world()[1] == 0:
            state = net.module.state_dict() if hasattr(net, "module") else net.state_dict()
            torch.save(state, f"gru4rec_ep{epoch}.pt")


if __name__ == "__main__":
    main()
