# expect: TVL005
# style: CLIP-style contrastive image-text training with a base class that holds the learnable temperature
# bug: ContrastiveMixin creates logit_scale as a plain tensor with requires_grad=True instead of an nn.Parameter, so it is not in model.parameters(), the optimizer never updates it and state_dict drops it.
import os
import random
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class ContrastiveMixin:
    def init_contrastive(self, init_temp=0.07):
        self.logit_scale = torch.tensor(math.log(1 / init_temp), requires_grad=True)

    def clip_loss(self, img_emb, txt_emb):
        img_emb = F.normalize(img_emb, dim=-1)
        txt_emb = F.normalize(txt_emb, dim=-1)
        scale = self.logit_scale.exp().clamp(max=100)
        logits = scale * img_emb @ txt_emb.t()
        labels = torch.arange(len(logits), device=logits.device)
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


class ImageEncoder(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 64, 4, 4), nn.GELU(), nn.Conv2d(64, 128, 2, 2), nn.GELU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, dim))

    def forward(self, x):
        return self.net(x)


class TextEncoder(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        layer = nn.TransformerEncoderLayer(dim, 4, dim * 2, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)

    def forward(self, ids):
        return self.enc(self.emb(ids)).mean(1)


class MiniCLIP(nn.Module, ContrastiveMixin):
    def __init__(self, vocab=10000, dim=256):
        super().__init__()
        self.visual = ImageEncoder(dim)
        self.text = TextEncoder(vocab, dim)
        self.init_contrastive()

    def forward(self, images, ids):
        return self.visual(images), self.text(ids)


def main():
    model = MiniCLIP()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.2)
    ds = TensorDataset(torch.randn(2048, 3, 64, 64), torch.randint(0, 10000, (2048, 24)))
    dl = DataLoader(ds, batch_size=128, shuffle=True, drop_last=True)
    for epoch in range(5):
        model.train()
        for step, (img, ids) in enumerate(dl):
            i_emb, t_emb = model(img, ids)
            loss = model.clip_loss(i_emb, t_emb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % 10 == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f} temp {1 / model.logit_scale.exp().item():.4f}")
    torch.save(model.state_dict(), "miniclip.pt")


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
