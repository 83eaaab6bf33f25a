# expect: TVL010
# style: ESPnet-like speech encoder (conv subsampling + MHA blocks) for speaker classification, masks built in a utility
# bug: lengths_to_mask() returns True for valid frames (arange < length), and ConformerLiteBlock passes it as key_padding_mask to nn.MultiheadAttention, where True marks frames to ignore
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def lengths_to_mask(lengths, max_len=None):
    max_len = max_len or int(lengths.max())
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


class Conv2dSubsampling(nn.Module):
    def __init__(self, idim, odim):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, odim, 3, 2), nn.ReLU(), nn.Conv2d(odim, odim, 3, 2), nn.ReLU())
        self.out = nn.Linear(odim * (((idim - 1) // 2 - 1) // 2), odim)

    def forward(self, x, lengths):
        x = self.conv(x.unsqueeze(1))
        b, c, t, f = x.size()
        x = self.out(x.transpose(1, 2).reshape(b, t, c * f))
        lengths = ((lengths - 1) // 2 - 1) // 2
        return x, lengths


class ConformerLiteBlock(nn.Module):
    def __init__(self, d, heads, dropout=0.1):
        super().__init__()
        self.ff1 = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.SiLU(), nn.Dropout(dropout), nn.Linear(4 * d, d))
        self.norm_att = nn.LayerNorm(d)
        self.att = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
        self.norm_conv = nn.LayerNorm(d)
        self.dw = nn.Conv1d(d, d, 15, padding=7, groups=d)
        self.ff2 = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.SiLU(), nn.Dropout(dropout), nn.Linear(4 * d, d))
        self.final = nn.LayerNorm(d)

    def forward(self, x, valid):
        x = x + 0.5 * self.ff1(x)
        h = self.norm_att(x)
        x = x + self.att(h, h, h, key_padding_mask=valid, need_weights=False)[0]
        c = self.dw(self.norm_conv(x).transpose(1, 2)).transpose(1, 2)
        x = x + F.silu(c) * valid.unsqueeze(-1)
        x = x + 0.5 * self.ff2(x)
        return self.final(x)


class SpeakerEncoder(nn.Module):
    def __init__(self, n_mels=80, d=144, heads=4, layers=4, n_spk=500):
        super().__init__()
        self.sub = Conv2dSubsampling(n_mels, d)
        self.blocks = nn.ModuleList([ConformerLiteBlock(d, heads) for _ in range(layers)])
        self.classifier = nn.Linear(d, n_spk)

    def forward(self, feats, lengths):
        x, lengths = self.sub(feats, lengths)
        valid = lengths_to_mask(lengths, x.size(1))
        for blk in self.blocks:
            x = blk(x, valid)
        m = valid.unsqueeze(-1).float()
        emb = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.classifier(emb)


class Utterances(Dataset):
    def __init__(self, n, n_spk=500, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lens = torch.randint(200, 600, (n,), generator=g)
        self.spk = torch.randint(0, n_spk, (n,), generator=g)

    def __len__(self):
        return len(self.spk)

    def __getitem__(self, i):
        return torch.randn(int(self.lens[i]), 80), self.spk[i]


def collate(batch):
    feats, spk = zip(*batch)
    lengths = torch.tensor([f.size(0) for f in feats])
    return nn.utils.rnn.pad_sequence(feats, batch_first=True), lengths, torch.stack(spk)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(Utterances(4000), batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    valid_loader = DataLoader(Utterances(400, seed=3), batch_size=32, collate_fn=collate)
    model = SpeakerEncoder().to(device)
    optim = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-6)
    sched = torch.optim.lr_scheduler.MultiStepLR(optim, milestones=[10, 15], gamma=0.3)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for feats, lengths, spk in train_loader:
            feats, lengths, spk = feats.to(device), lengths.to(device), spk.to(device)
            optim.zero_grad()
            loss = F.cross_entropy(model(feats, lengths), spk)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optim.step()
            tot += loss.item()
        sched.step()
        model.eval()
        hit = n = 0
        with torch.no_grad():
            for feats, lengths, spk in valid_loader:
                hit += (model(feats.to(device), lengths.to(device)).argmax(-1).cpu() == spk).sum().item()
                n += spk.numel()
        print(f"epoch {epoch} loss {tot / len(train_loader):.3f} valid_acc {hit / n:.4f}")
    torch.save(model.state_dict(), "spk_encoder.pt")


if __name__ == "__main__":
    main()
