# expect: TVL001
# style: CLIP-style contrastive model, image/text retrieval, dual encoder wrapper
# bug: encode() is wrapped in no_grad (written for building the retrieval index) and the training loss uses it, so only logit_scale receives gradients
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CFG = dict(embed_dim=128, vocab=5000, seq_len=32, batch_size=128, lr=5e-4, epochs=8, warmup=200)


class PairDataset(Dataset):
    def __init__(self, n=4000):
        self.images = torch.randn(n, 3, 64, 64)
        self.tokens = torch.randint(1, CFG["vocab"], (n, CFG["seq_len"]))

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], self.tokens[i]


class ImageTower(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 32, 5, stride=2, padding=2), nn.GELU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.GELU(),
            nn.AdaptiveAvgPool2d(1),
        )
        self.proj = nn.Linear(64, d)

    def forward(self, x):
        return self.proj(self.conv(x).flatten(1))


class TextTower(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.emb = nn.Embedding(CFG["vocab"], d)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)

    def forward(self, tok):
        return self.enc(self.emb(tok)).mean(1)


class DualEncoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.image = ImageTower(d)
        self.text = TextTower(d)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    @torch.no_grad()
    def encode(self, images=None, tokens=None):
        out = {}
        if images is not None:
            out["img"] = F.normalize(self.image(images), dim=-1)
        if tokens is not None:
            out["txt"] = F.normalize(self.text(tokens), dim=-1)
        return out


def clip_loss(model, images, tokens):
    emb = model.encode(images=images, tokens=tokens)
    logits = model.logit_scale.exp().clamp(max=100) * emb["img"] @ emb["txt"].t()
    targets = torch.arange(len(images), device=images.device)
    return 0.5 * (F.cross_entropy(logits, targets) + F.cross_entropy(logits.t(), targets))


def lr_at(step, total):
    if step < CFG["warmup"]:
        return (step + 1) / CFG["warmup"]
    prog = (step - CFG["warmup"]) / max(1, total - CFG["warmup"])
    return 0.5 * (1 + math.cos(math.pi * prog))


def recall_at_1(model, loader, device):
    model.eval()
    imgs, txts = [], []
    for images, tokens in loader:
        e = model.encode(images.to(device), tokens.to(device))
        imgs.append(e["img"])
        txts.append(e["txt"])
    sims = torch.cat(imgs) @ torch.cat(txts).t()
    model.train()
    return (sims.argmax(1) == torch.arange(len(sims), device=device)).float().mean().item()


def main():
    torch.manual_seed(0)
    random.seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = DualEncoder(CFG["embed_dim"]).to(device)
    train_loader = DataLoader(PairDataset(4000), batch_size=CFG["batch_size"], shuffle=True, drop_last=True)
    val_loader = DataLoader(PairDataset(512), batch_size=256, shuffle=False)
    opt = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=0.1)
    total = CFG["epochs"] * len(train_loader)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_at(s, total))
    step = 0
    for epoch in range(CFG["epochs"]):
        model.train()
        for images, tokens in train_loader:
            images, tokens = images.to(device), tokens.to(device)
            loss = clip_loss(model, images, tokens)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0:
                print(f"step {step} loss {loss.item():.4f} scale {model.logit_scale.exp().item():.2f}")
        print(f"epoch {epoch} R@1 {recall_at_1(model, val_loader, device):.3f}")
    torch.save(model.state_dict(), "clip_small.pt")


if __name__ == "__main__":
    main()
