# expect: TVL010
# style: speaker identification with attentive pooling over frames using nn.MultiheadAttention, inline training script
# bug: key_padding_mask is built as `arange(T) < lengths` (True for valid frames) and passed straight to nn.MultiheadAttention, where True means "ignore this key", so pooling attends only to padded frames
import os
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

SEED = 0
N_SPEAKERS = 40
N_MELS = 40
MAX_FRAMES = 300
EPOCHS = 15
random.seed(SEED)
torch.manual_seed(SEED)


class Utterances(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.centroids = torch.randn(N_SPEAKERS, N_MELS, generator=torch.Generator().manual_seed(123))
        self.items = []
        for _ in range(n):
            spk = int(torch.randint(N_SPEAKERS, (1,), generator=g))
            T = int(torch.randint(80, MAX_FRAMES - 20, (1,), generator=g))
            feats = self.centroids[spk] + torch.randn(T, N_MELS, generator=g)
            self.items.append((feats, spk))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    feats, spk = zip(*batch)
    lengths = torch.tensor([f.size(0) for f in feats])
    x = pad_sequence(feats, batch_first=True)
    if x.size(1) < MAX_FRAMES:
        x = F.pad(x, (0, 0, 0, MAX_FRAMES - x.size(1)))
    return x, lengths, torch.tensor(spk)


class SpeakerNet(nn.Module):
    def __init__(self, d=192, heads=4):
        super().__init__()
        self.frontend = nn.Sequential(
            nn.Conv1d(N_MELS, d, 5, padding=2), nn.BatchNorm1d(d), nn.ReLU(),
            nn.Conv1d(d, d, 3, padding=1), nn.BatchNorm1d(d), nn.ReLU(),
        )
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pool = nn.MultiheadAttention(d, heads, batch_first=True)
        self.emb = nn.Linear(d, 128)
        self.cls = nn.Linear(128, N_SPEAKERS)

    def forward(self, x, lengths):
        h = self.frontend(x.transpose(1, 2)).transpose(1, 2)
        T = h.size(1)
        valid = torch.arange(T, device=x.device)[None, :] < lengths[:, None]
        q = self.query.expand(h.size(0), -1, -1)
        pooled, _ = self.pool(q, h, h, key_padding_mask=valid)
        e = F.relu(self.emb(pooled.squeeze(1)))
        return self.cls(e), e


train_dl = DataLoader(Utterances(4000, 1), batch_size=32, shuffle=True, collate_fn=collate)
test_dl = DataLoader(Utterances(800, 2), batch_size=64, collate_fn=collate)
model = SpeakerNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
os.makedirs("spk_ckpt", exist_ok=True)

for epoch in range(EPOCHS):
    model.train()
    tot_loss, tot_acc, n = 0.0, 0.0, 0
    for x, lengths, spk in train_dl:
        logits, _ = model(x, lengths)
        loss = F.cross_entropy(logits, spk)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot_loss += loss.item() * len(spk)
        tot_acc += (logits.argmax(1) == spk).sum().item()
        n += len(spk)
    sched.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for x, lengths, spk in test_dl:
            logits, _ = model(x, lengths)
            correct += (logits.argmax(1) == spk).sum().item()
    print(f"epoch {epoch}: loss {tot_loss / n:.3f} train_acc {tot_acc / n:.3f} "
          f"test_acc {correct / len(test_dl.dataset):.3f}")
    torch.save(model.state_dict(), f"spk_ckpt/epoch{epoch}.pt")
