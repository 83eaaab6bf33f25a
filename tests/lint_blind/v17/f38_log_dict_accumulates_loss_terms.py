# expect: TVL012
# style: accelerate-like hand-written loop with a log dict accumulated by a helper, CLIP-style contrastive image-text pretraining
# bug: accumulate_logs() does logs[k] = logs.get(k, 0) + v with the raw loss tensors returned by clip_loss(), so the running sums hold the graphs of every step until the epoch's logging.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class PairDataset(Dataset):
    def __init__(self, n, vocab=2000, seq=24, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.images = torch.randn(n, 3, 48, 48, generator=g)
        self.texts = torch.randint(1, vocab, (n, seq), generator=g)

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, i):
        return self.images[i], self.texts[i]


class ImageTower(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.GELU(), nn.Conv2d(64, 128, 3, 2, 1), nn.GELU(),
                                 nn.Conv2d(128, 256, 3, 2, 1), nn.GELU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                 nn.Linear(256, d))

    def forward(self, x):
        return self.net(x)


class TextTower(nn.Module):
    def __init__(self, d, vocab=2000):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 2 * d, batch_first=True), 2)

    def forward(self, t):
        return self.enc(self.emb(t)).mean(1)


class CLIPLite(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.image, self.text = ImageTower(d), TextTower(d)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, img, txt):
        return F.normalize(self.image(img), dim=-1), F.normalize(self.text(txt), dim=-1), self.logit_scale.exp()


def clip_loss(img_emb, txt_emb, scale):
    logits = scale * img_emb @ txt_emb.t()
    targets = torch.arange(len(logits), device=logits.device)
    li = F.cross_entropy(logits, targets)
    lt = F.cross_entropy(logits.t(), targets)
    return {"loss": (li + lt) / 2, "loss_i2t": li, "loss_t2i": lt}


def accumulate_logs(logs, out):
    for k, v in out.items():
        logs[k] = logs.get(k, 0) + v
    return logs


class SimpleAccelerator:
    def __init__(self, device):
        self.device = device

    def prepare(self, *objs):
        return [o.to(self.device) if isinstance(o, nn.Module) else o for o in objs]

    def backward(self, loss):
        loss.backward()

    def print(self, *a):
        print(*a, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    acc = SimpleAccelerator("cuda" if torch.cuda.is_available() else "cpu")
    model = CLIPLite()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.2)
    loader = DataLoader(PairDataset(20000), batch_size=args.bs, shuffle=True, drop_last=True)
    model, = acc.prepare(model)
    for epoch in range(args.epochs):
        model.train()
        logs = {}
        for img, txt in loader:
            img, txt = img.to(acc.device), txt.to(acc.device)
            out = clip_loss(*model(img, txt))
            opt.zero_grad()
            acc.backward(out["loss"])
            opt.step()
            with torch.no_grad():
                model.logit_scale.clamp_(0, math.log(100))
            logs = accumulate_logs(logs, out)
        acc.print(f"epoch {epoch} " + " ".join(f"{k}={float(v) / len(loader):.4f}" for k, v in logs.items()))
    torch.save(model.state_dict(), "clip_lite.pt")


if __name__ == "__main__":
    main()
