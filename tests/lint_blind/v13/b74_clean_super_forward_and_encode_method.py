# expect: clean
# style: subclassed model calling super().forward() inside its own forward, plus a named encode() method used for retrieval; CLIP-like dual encoder
# note: .forward is only called as super().forward(...) inside an overriding forward (which is itself invoked via module __call__), and encode_text()/encode_image() are ordinary methods that call sub-modules via __call__
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("clip")


class TextTower(nn.TransformerEncoder):
    def __init__(self, dim, layers):
        super().__init__(nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True), layers)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        out = super().forward(src, mask=mask, src_key_padding_mask=src_key_padding_mask)
        return out.mean(1)


class DualEncoder(nn.Module):
    def __init__(self, vocab=10000, dim=256, proj=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.text = TextTower(dim, 2)
        self.image = nn.Sequential(nn.Conv2d(3, 64, 4, 4), nn.ReLU(), nn.Conv2d(64, dim, 4, 4), nn.ReLU(),
                                   nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.text_proj = nn.Linear(dim, proj, bias=False)
        self.image_proj = nn.Linear(dim, proj, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(2.659))

    def encode_text(self, ids):
        return F.normalize(self.text_proj(self.text(self.tok(ids))), dim=-1)

    def encode_image(self, img):
        return F.normalize(self.image_proj(self.image(img)), dim=-1)

    def forward(self, img, ids):
        i, t = self.encode_image(img), self.encode_text(ids)
        return self.logit_scale.exp().clamp(max=100) * i @ t.t()


def clip_loss(logits):
    labels = torch.arange(logits.size(0), device=logits.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


@torch.no_grad()
def recall_at_1(model, loader):
    model.eval()
    imgs, txts = [], []
    for img, ids in loader:
        imgs.append(model.encode_image(img))
        txts.append(model.encode_text(ids))
    model.train()
    sims = torch.cat(imgs) @ torch.cat(txts).t()
    return (sims.argmax(1) == torch.arange(sims.size(0))).float().mean().item()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    imgs, ids = torch.rand(4000, 3, 64, 64), torch.randint(0, 10000, (4000, 24))
    tr = DataLoader(TensorDataset(imgs[:3500], ids[:3500]), batch_size=128, shuffle=True, drop_last=True)
    va = DataLoader(TensorDataset(imgs[3500:], ids[3500:]), batch_size=250)
    model = DualEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.2)
    for ep in range(5):
        model.train()
        for img, tok in tr:
            loss = clip_loss(model(img, tok))
            opt.zero_grad()
            loss.backward()
            opt.step()
        log.info("epoch %d loss %.4f R@1 %.4f", ep, loss.item(), recall_at_1(model, va))
    torch.save(model.state_dict(), "dual_encoder.pt")
