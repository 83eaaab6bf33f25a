# expect: TVL006
# style: contrastive CLIP-style dual encoder (open_clip-like) with per-tower optimizers
# bug: the shared projection/logit_scale parameters are placed in BOTH make_tower_optimizer() calls, so they are updated twice per step with two different Adam states
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class DualEncoder(nn.Module):
    def __init__(self, img_dim=512, txt_vocab=10000, width=256, embed=128):
        super().__init__()
        self.image_tower = nn.Sequential(nn.Linear(img_dim, width), nn.GELU(), nn.Linear(width, width))
        self.text_embed = nn.EmbeddingBag(txt_vocab, width)
        self.text_tower = nn.Sequential(nn.GELU(), nn.Linear(width, width))
        self.shared_proj = nn.Linear(width, embed, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(2.659))

    def encode_image(self, x):
        return F.normalize(self.shared_proj(self.image_tower(x)), dim=-1)

    def encode_text(self, ids):
        return F.normalize(self.shared_proj(self.text_tower(self.text_embed(ids))), dim=-1)


def make_tower_optimizer(modules, extra, lr):
    params = [p for m in modules for p in m.parameters()] + list(extra)
    return torch.optim.AdamW(params, lr=lr, weight_decay=0.1)


def clip_loss(img_emb, txt_emb, logit_scale):
    logits = logit_scale.exp().clamp(max=100) * img_emb @ txt_emb.t()
    target = torch.arange(img_emb.size(0))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr-img", type=float, default=5e-4)
    ap.add_argument("--lr-txt", type=float, default=1e-4)
    args = ap.parse_args()
    model = DualEncoder()
    shared = list(model.shared_proj.parameters()) + [model.logit_scale]
    opt_img = make_tower_optimizer([model.image_tower], shared, args.lr_img)
    opt_txt = make_tower_optimizer([model.text_embed, model.text_tower], shared, args.lr_txt)
    model.train()
    for step in range(args.steps):
        images = torch.randn(args.batch_size, 512)
        texts = torch.randint(0, 10000, (args.batch_size, 32))
        loss = clip_loss(model.encode_image(images), model.encode_text(texts), model.logit_scale)
        opt_img.zero_grad()
        opt_txt.zero_grad()
        loss.backward()
        opt_img.step()
        opt_txt.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.4f} scale {model.logit_scale.exp().item():.2f}")


if __name__ == "__main__":
    main()
