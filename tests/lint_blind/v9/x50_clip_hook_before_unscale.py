# expect: TVL016
# style: Trainer with pluggable step hooks, AMP transformer for machine translation
# bug: GradClipHook clips the still-scaled gradients in after_backward, and unscale_ only happens later in GradNormLogger, so the clip threshold is applied to scale-multiplied grads.
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("mt")
PAD, BOS = 0, 1


class GradClipHook:
    def __init__(self, max_norm):
        self.max_norm = max_norm

    def after_backward(self, trainer):
        nn.utils.clip_grad_norm_(trainer.model.parameters(), self.max_norm)


class GradNormLogger:
    def __init__(self, every=50):
        self.every = every

    def after_backward(self, trainer):
        if trainer.step % self.every == 0:
            trainer.scaler.unscale_(trainer.opt)
            gn = math.sqrt(sum(p.grad.float().pow(2).sum().item() for p in trainer.model.parameters() if p.grad is not None))
            log.info("step %d grad_norm %.3f scale %.0f", trainer.step, gn, trainer.scaler.get_scale())


class Seq2Seq(nn.Module):
    def __init__(self, vocab=8000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        self.tf = nn.Transformer(d, 4, 3, 3, 1024, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        T = tgt_in.size(1)
        causal = self.tf.generate_square_subsequent_mask(T, device=src.device)
        h = self.tf(self.emb(src), self.emb(tgt_in), tgt_mask=causal,
                    src_key_padding_mask=src == PAD, tgt_key_padding_mask=tgt_in == PAD, memory_key_padding_mask=src == PAD)
        return self.out(h)


class Trainer:
    def __init__(self, model, hooks, lr=5e-4):
        self.model, self.hooks = model, hooks
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
        self.scaler = torch.cuda.amp.GradScaler()
        self.step = 0

    def train_step(self, src, tgt):
        tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
        self.opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.float16):
            logits = self.model(src, tgt_in)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1), ignore_index=PAD, label_smoothing=0.1)
        self.scaler.scale(loss).backward()
        for h in self.hooks:
            h.after_backward(self)
        self.scaler.step(self.opt)
        self.scaler.update()
        self.step += 1
        return loss.item()


def random_batch(bs=32, vocab=8000):
    src = torch.randint(3, vocab, (bs, 40))
    tgt = torch.randint(3, vocab, (bs, 42))
    tgt[:, 0] = BOS
    src[:, 30:] = PAD
    tgt[:, 35:] = PAD
    return src.cuda(), tgt.cuda()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = Seq2Seq().cuda()
    trainer = Trainer(model, hooks=[GradClipHook(1.0), GradNormLogger(50)])
    model.train()
    for it in range(2000):
        loss = trainer.train_step(*random_batch())
        if it % 100 == 0:
            log.info("iter %d loss %.4f", it, loss)
