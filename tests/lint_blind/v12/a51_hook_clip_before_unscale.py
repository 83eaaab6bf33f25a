# expect: TVL016
# style: Lightning-like loop with an on_before_optimizer_step hook, AMP, semantic-similarity bi-encoder
# bug: the Runner calls module.on_before_optimizer_step() (which clips gradients) before scaler.unscale_(), so clipping acts on loss-scaled gradients
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("runner")


class BiEncoder(nn.Module):
    def __init__(self, vocab=30000, d=256, layers=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        enc = nn.TransformerEncoderLayer(d, 4, 4 * d, 0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(enc, layers)

    def encode(self, ids):
        pad = ids == 0
        h = self.enc(self.emb(ids), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return F.normalize((h * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)

    def forward(self, a, b):
        return self.encode(a), self.encode(b)


class SimModule:
    def __init__(self, lr, clip):
        self.net = BiEncoder()
        self.clip = clip
        self.lr = lr
        self.scale = 20.0

    def configure_optimizers(self):
        return torch.optim.AdamW(self.net.parameters(), lr=self.lr, weight_decay=0.01)

    def training_step(self, batch):
        a, b = batch
        ea, eb = self.net(a, b)
        logits = ea @ eb.t() * self.scale
        return F.cross_entropy(logits, torch.arange(len(a), device=logits.device))

    def on_before_optimizer_step(self, optimizer):
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.clip)


class Runner:
    def __init__(self, max_epochs, precision="16-mixed", device=None):
        self.max_epochs = max_epochs
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.use_amp = precision == "16-mixed" and self.device == "cuda"
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.use_amp)

    def fit(self, module, loader):
        module.net.to(self.device)
        opt = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.net.train()
            losses = []
            for batch in loader:
                batch = [t.to(self.device) for t in batch]
                opt.zero_grad(set_to_none=True)
                with torch.autocast(device_type="cuda", enabled=self.use_amp):
                    loss = module.training_step(batch)
                self.scaler.scale(loss).backward()
                module.on_before_optimizer_step(opt)
                self.scaler.unscale_(opt)
                self.scaler.step(opt)
                self.scaler.update()
                losses.append(loss.item())
            log.info("epoch %d loss %.4f scale %.0f", epoch, sum(losses) / len(losses), self.scaler.get_scale())


def paraphrase_pairs(n, L=32, vocab=30000):
    a = torch.randint(1, vocab, (n, L))
    b = a.clone()
    noise = torch.rand(n, L) < 0.2
    b[noise] = torch.randint(1, vocab, (int(noise.sum()),))
    a[:, -6:] = 0
    return TensorDataset(a, b)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(paraphrase_pairs(20000), batch_size=128, shuffle=True, drop_last=True)
    module = SimModule(args.lr, args.clip)
    Runner(args.epochs).fit(module, loader)
    torch.save(module.net.state_dict(), "biencoder.pt")
