# expect: TVL014
# style: YAML-like config object overridden from the command line, builder functions (GPT-style LM fine-tuning)
# bug: build_model() loads cfg.init_from (settable via --set init_from=...) with torch.load() without weights_only=True.
import argparse
import logging
import math
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("lm")

DEFAULTS = dict(
    vocab=256, block=64, d_model=128, n_layer=2, n_head=4,
    lr=6e-4, iters=2000, batch=32, init_from="scratch", eval_every=200,
)


def parse_overrides(pairs):
    out = {}
    for kv in pairs:
        k, v = kv.split("=", 1)
        if k not in DEFAULTS:
            raise KeyError(k)
        out[k] = type(DEFAULTS[k])(v) if not isinstance(DEFAULTS[k], str) else v
    return out


def load_config():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", nargs="*", default=[], help="key=value overrides")
    args = ap.parse_args()
    cfg = dict(DEFAULTS)
    cfg.update(parse_overrides(args.set))
    return SimpleNamespace(**cfg)


class TinyGPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab, cfg.d_model)
        self.pos = nn.Embedding(cfg.block, cfg.d_model)
        layer = nn.TransformerEncoderLayer(cfg.d_model, cfg.n_head, 4 * cfg.d_model, 0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, cfg.n_layer)
        self.ln = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab, bias=False)
        self.register_buffer("causal", torch.triu(torch.full((cfg.block, cfg.block), float("-inf")), 1))

    def forward(self, idx):
        T = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        x = self.blocks(x, mask=self.causal[:T, :T])
        return self.head(self.ln(x))


def build_model(cfg):
    model = TinyGPT(cfg)
    if cfg.init_from != "scratch":
        ckpt = torch.load(cfg.init_from, map_location="cpu")
        sd = ckpt.get("model", ckpt)
        model.load_state_dict({k.removeprefix("_orig_mod."): v for k, v in sd.items()})
        log.info("initialised from %s (iter %s)", cfg.init_from, ckpt.get("iter_num", "?"))
    return model


def build_optimizer(model, cfg):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=cfg.lr, betas=(0.9, 0.95))


def get_batch(data, cfg):
    ix = torch.randint(len(data) - cfg.block - 1, (cfg.batch,))
    x = torch.stack([data[i:i + cfg.block] for i in ix])
    y = torch.stack([data[i + 1:i + cfg.block + 1] for i in ix])
    return x, y


def main():
    logging.basicConfig(level=logging.INFO)
    cfg = load_config()
    text = ("the quick brown fox jumps over the lazy dog. " * 500).encode()
    data = torch.tensor(list(text), dtype=torch.long)
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    model = build_model(cfg)
    opt = build_optimizer(model, cfg)
    lr_at = lambda it: cfg.lr * min(1.0, (it + 1) / 100) * 0.5 * (1 + math.cos(math.pi * it / cfg.iters))

    for it in range(cfg.iters):
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        model.train()
        x, y = get_batch(train, cfg)
        loss = F.cross_entropy(model(x).view(-1, cfg.vocab), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if it % cfg.eval_every == 0:
            model.eval()
            with torch.no_grad():
                vx, vy = get_batch(val, cfg)
                vloss = F.cross_entropy(model(vx).view(-1, cfg.vocab), vy.view(-1)).item()
            log.info("iter %d train %.4f val %.4f", it, loss.item(), vloss)
            torch.save({"model": model.state_dict(), "iter_num": it}, "ckpt_lm.pt")


if __name__ == "__main__":
    main()
