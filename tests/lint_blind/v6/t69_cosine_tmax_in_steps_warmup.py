# expect: clean
# style: plain script with SequentialLR warmup + cosine, contrastive audio-text (CLAP-like) pre-training on synthetic embeddings
# note: CosineAnnealingLR is stepped every batch, but its T_max is given in optimizer steps (epochs * len(loader) minus warmup), so per-batch stepping is the intended schedule.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

EPOCHS = 20
WARMUP_STEPS = 200
BATCH = 128

audio_feats = torch.randn(12000, 128, 64)     # log-mel frames x bins
text_ids = torch.randint(1, 10000, (12000, 24))
loader = DataLoader(TensorDataset(audio_feats, text_ids), batch_size=BATCH, shuffle=True, drop_last=True)


class AudioTower(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.rnn = nn.GRU(64, d, batch_first=True)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        _, h = self.rnn(x)
        return F.normalize(self.proj(h[-1]), dim=-1)


class TextTower(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.emb = nn.EmbeddingBag(10000, d, mode="mean", padding_idx=0)
        self.proj = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))

    def forward(self, ids):
        return F.normalize(self.proj(self.emb(ids)), dim=-1)


audio, text = AudioTower(), TextTower()
logit_scale = nn.Parameter(torch.tensor(2.659))
params = list(audio.parameters()) + list(text.parameters()) + [logit_scale]
optimizer = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.2)
total_steps = EPOCHS * len(loader)
warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=WARMUP_STEPS)
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps - WARMUP_STEPS, eta_min=1e-6)
scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[WARMUP_STEPS])

step = 0
for epoch in range(EPOCHS):
    audio.train(); text.train()
    epoch_loss = 0.0
    for mel, ids in loader:
        a, t = audio(mel), text(ids)
        logits = logit_scale.exp().clamp(max=100) * a @ t.t()
        labels = torch.arange(a.size(0))
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        step += 1
        epoch_loss += loss.item()
    print(f"epoch {epoch} step {step}/{total_steps} loss {epoch_loss / len(loader):.4f} "
          f"lr {scheduler.get_last_lr()[0]:.2e} scale {logit_scale.exp().item():.1f}")
