# expect: clean
# style: HF-style AdamW param groups (decay / no_decay by name) for a small T5-like seq2seq summariser
# note: two param groups are built from named_parameters() with complementary name filters, so every parameter lands in exactly one group
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("summ")


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab=12000, dim=256):
        super().__init__()
        self.shared = nn.Embedding(vocab, dim)
        self.transformer = nn.Transformer(dim, 4, 3, 3, 4 * dim, dropout=0.1, batch_first=True)
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.final_layer_norm = nn.LayerNorm(dim)

    def forward(self, src, tgt_in):
        causal = self.transformer.generate_square_subsequent_mask(tgt_in.size(1)).to(src.device)
        h = self.transformer(self.shared(src), self.shared(tgt_in), tgt_mask=causal,
                             src_key_padding_mask=(src == 0), tgt_key_padding_mask=(tgt_in == 0))
        return self.lm_head(self.final_layer_norm(h))


def grouped_params(model, weight_decay):
    no_decay = ("bias", "norm", "LayerNorm.weight")
    decay_params = [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)]
    other_params = [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)]
    assert len(decay_params) + len(other_params) == len(list(model.parameters()))
    return [{"params": decay_params, "weight_decay": weight_decay},
            {"params": other_params, "weight_decay": 0.0}]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--wd", type=float, default=0.01)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    src = torch.randint(1, 12000, (4000, 128))
    tgt = torch.randint(1, 12000, (4000, 32))
    tgt[:, 0] = 1
    loader = DataLoader(TensorDataset(src, tgt), batch_size=16, shuffle=True)
    model = Seq2SeqTransformer().to(dev)
    opt = torch.optim.AdamW(grouped_params(model, args.wd), lr=args.lr)
    total = args.epochs * len(loader)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / 200, max(0.0, (total - s) / (total - 200))))
    step = 0
    for ep in range(args.epochs):
        model.train()
        for s, t in loader:
            s, t = s.to(dev), t.to(dev)
            logits = model(s, t[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), t[:, 1:].reshape(-1), ignore_index=0)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0:
                log.info("step %d loss %.4f lr %.2e", step, loss.item(), sched.get_last_lr()[0])
    torch.save(model.state_dict(), "summariser.pt")


if __name__ == "__main__":
    main()
