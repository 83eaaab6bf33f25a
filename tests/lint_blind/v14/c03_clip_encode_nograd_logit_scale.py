# expect: TVL001
# style: research repo, CLIP-style contrastive image/text model with a retrieval helper
# bug: encode_image/encode_text are decorated with torch.no_grad() for retrieval and the training loss also uses them, so only logit_scale trains
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class PairDataset(Dataset):
    def __init__(self, n=5000, vocab=1000, seq=16):
        g = torch.Generator().manual_seed(1)
        self.images = torch.randn(n, 3, 32, 32, generator=g)
        self.tokens = torch.randint(1, vocab, (n, seq), generator=g)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], self.tokens[i]


class TinyCLIP(nn.Module):
    def __init__(self, vocab=1000, dim=256):
        super().__init__()
        self.visual = nn.Sequential(
            nn.Conv2d(3, 64, 4, 4), nn.GELU(), nn.Conv2d(64, 128, 2, 2), nn.GELU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, dim),
        )
        self.tok = nn.Embedding(vocab, dim)
        self.text = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, 4, 512, batch_first=True), 2)
        self.text_proj = nn.Linear(dim, dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    @torch.no_grad()
    def encode_image(self, images):
        return F.normalize(self.visual(images), dim=-1)

    @torch.no_grad()
    def encode_text(self, tokens):
        h = self.text(self.tok(tokens))
        return F.normalize(self.text_proj(h.mean(1)), dim=-1)


def clip_loss(model, images, tokens):
    img = model.encode_image(images)
    txt = model.encode_text(tokens)
    logits = model.logit_scale.exp().clamp(max=100) * img @ txt.t()
    labels = torch.arange(len(images), device=images.device)
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))


def recall_at_k(model, loader, k=5):
    model.eval()
    imgs, txts = [], []
    for images, tokens in loader:
        imgs.append(model.encode_image(images))
        txts.append(model.encode_text(tokens))
    model.train()
    sims = torch.cat(imgs) @ torch.cat(txts).t()
    topk = sims.topk(k, dim=1).indices
    target = torch.arange(len(sims)).unsqueeze(1)
    return (topk == target).any(1).float().mean().item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--bs", type=int, default=128)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--wd", type=float, default=0.1)
    args = p.parse_args()

    torch.manual_seed(0)
    train = PairDataset(4000)
    val = PairDataset(500)
    train_loader = DataLoader(train, batch_size=args.bs, shuffle=True, drop_last=True)
    val_loader = DataLoader(val, batch_size=250)

    model = TinyCLIP()
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        losses = []
        for images, tokens in train_loader:
            loss = clip_loss(model, images, tokens)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        r5 = recall_at_k(model, val_loader)
        print(f"epoch {epoch}: loss={np.mean(losses):.4f} R@5={r5:.3f} T={1 / model.logit_scale.exp().item():.4f}")


if __name__ == "__main__":
    main()
