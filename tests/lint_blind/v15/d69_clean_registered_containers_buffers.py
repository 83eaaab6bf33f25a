# expect: clean
# style: point-process / event-sequence model with several container attributes (hyperparameter lists, ModuleList, ModuleDict, buffers)
# note: the model keeps plain Python lists and dicts as attributes (self.kernel_sizes, self.event_names, self.layer_names) which look like unregistered sub-modules, but they only hold ints/strings; the actual layers are in nn.ModuleList/nn.ModuleDict, the fixed decay grid is a register_buffer, and the learnable base rate is an nn.Parameter
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

EVENT_TYPES = ["login", "view", "cart", "purchase", "logout"]


class EventSeqModel(nn.Module):
    def __init__(self, n_types=len(EVENT_TYPES), d=64, kernel_sizes=(3, 5, 7), n_decays=8):
        super().__init__()
        self.kernel_sizes = list(kernel_sizes)
        self.event_names = list(EVENT_TYPES)
        self.layer_names = [f"conv_k{k}" for k in self.kernel_sizes]
        self.type_emb = nn.Embedding(n_types + 1, d, padding_idx=n_types)
        self.convs = nn.ModuleList([nn.Conv1d(d + n_decays, d, k, padding=k // 2) for k in self.kernel_sizes])
        self.heads = nn.ModuleDict({
            "type": nn.Linear(d * len(self.kernel_sizes), n_types),
            "dt": nn.Linear(d * len(self.kernel_sizes), 1),
        })
        self.register_buffer("decays", torch.logspace(-2, 1, n_decays))
        self.base_log_rate = nn.Parameter(torch.zeros(1))

    def forward(self, types, dts):
        time_feats = torch.exp(-dts.unsqueeze(-1) * self.decays)
        h = torch.cat([self.type_emb(types), time_feats], -1).transpose(1, 2)
        h = torch.cat([F.relu(conv(h)) for conv in self.convs], 1).transpose(1, 2)
        last = h[:, -1]
        log_rate = self.heads["dt"](last).squeeze(-1) + self.base_log_rate
        return self.heads["type"](last), log_rate

    def describe(self):
        return {name: sum(p.numel() for p in conv.parameters()) for name, conv in zip(self.layer_names, self.convs)}


def synth(n, L=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    types = torch.randint(0, len(EVENT_TYPES), (n, L + 1), generator=g)
    rates = 0.5 + types.float()
    dts = -torch.log(torch.rand(n, L + 1, generator=g)) / rates
    return types[:, :L], dts[:, :L], types[:, L], dts[:, L]


def nll_exponential(log_rate, dt):
    return (torch.exp(log_rate) * dt - log_rate).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    torch.manual_seed(0)
    tr = DataLoader(TensorDataset(*synth(20000, seed=0)), batch_size=128, shuffle=True)
    va = DataLoader(TensorDataset(*synth(2000, seed=1)), batch_size=512)
    model = EventSeqModel()
    print(model.describe(), "total", sum(p.numel() for p in model.parameters()))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        for types, dts, nt, ndt in tr:
            logits, log_rate = model(types, dts)
            loss = F.cross_entropy(logits, nt) + nll_exponential(log_rate, ndt)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        acc, nll, n = 0.0, 0.0, 0
        with torch.no_grad():
            for types, dts, nt, ndt in va:
                logits, log_rate = model(types, dts)
                acc += (logits.argmax(1) == nt).sum().item()
                nll += nll_exponential(log_rate, ndt).item() * len(nt)
                n += len(nt)
        print(f"epoch {epoch} type_acc {acc / n:.4f} time_nll {nll / n:.4f} base_rate {math.exp(model.base_log_rate.item()):.3f}")
    torch.save(model.state_dict(), "event_seq.pt")


if __name__ == "__main__":
    main()
