# expect: clean
# style: accelerate/HF-like hand-written fine-tuning loop with warmup schedule, grad accumulation and periodic evaluation, extractive QA span prediction
# note: many suspicious-looking pieces are all correct here: eval() inside the epoch followed by train(), a per-step LambdaLR defined in optimizer steps, zero_grad after the accumulated step, .item() logging, a DistributedSampler with shuffle=True for the train loader, and an unshuffled eval loader.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

cfg = dict(vocab=16000, dim=256, layers=3, seq=192, batch=16, grad_accum=2, epochs=3,
           lr=3e-4, warmup_ratio=0.1, eval_every=100)


class SpanModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.emb = nn.Embedding(c["vocab"], c["dim"], padding_idx=0)
        self.pos = nn.Embedding(c["seq"], c["dim"])
        layer = nn.TransformerEncoderLayer(c["dim"], 4, 4 * c["dim"], 0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, c["layers"])
        self.qa = nn.Linear(c["dim"], 2)

    def forward(self, ids):
        h = self.emb(ids) + self.pos(torch.arange(ids.size(1)))
        h = self.enc(h, src_key_padding_mask=ids == 0)
        start, end = self.qa(h).unbind(-1)
        return start, end


def linear_warmup(total, warmup):
    def f(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))
    return f


def make_split(n):
    ids = torch.randint(1, cfg["vocab"], (n, cfg["seq"]))
    starts = torch.randint(0, cfg["seq"] - 10, (n,))
    ends = starts + torch.randint(0, 10, (n,))
    return TensorDataset(ids, starts, ends)


def evaluate(model, loader):
    model.eval()
    exact, n = 0, 0
    with torch.no_grad():
        for ids, s, e in loader:
            ps, pe = model(ids)
            exact += ((ps.argmax(-1) == s) & (pe.argmax(-1) == e)).sum().item()
            n += ids.size(0)
    return exact / n


def main():
    train_ds, eval_ds = make_split(4000), make_split(500)
    sampler = DistributedSampler(train_ds, num_replicas=1, rank=0, shuffle=True, seed=42)
    train_dl = DataLoader(train_ds, batch_size=cfg["batch"], sampler=sampler)
    eval_dl = DataLoader(eval_ds, batch_size=64, shuffle=False)
    model = SpanModel(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.01)
    updates = cfg["epochs"] * math.ceil(len(train_dl) / cfg["grad_accum"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, linear_warmup(updates, int(cfg["warmup_ratio"] * updates)))

    step = 0
    for epoch in range(cfg["epochs"]):
        sampler.set_epoch(epoch)
        model.train()
        for i, (ids, s, e) in enumerate(train_dl):
            ps, pe = model(ids)
            loss = (F.cross_entropy(ps, s) + F.cross_entropy(pe, e)) / 2
            (loss / cfg["grad_accum"]).backward()
            if (i + 1) % cfg["grad_accum"] == 0 or i + 1 == len(train_dl):
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                step += 1
                if step % cfg["eval_every"] == 0:
                    em = evaluate(model, eval_dl)
                    model.train()
                    print(f"step {step} loss {loss.item():.4f} EM {em:.3f} lr {sched.get_last_lr()[0]:.2e}")
        print(f"epoch {epoch} done, EM {evaluate(model, eval_dl):.3f}")


if __name__ == "__main__":
    main()
