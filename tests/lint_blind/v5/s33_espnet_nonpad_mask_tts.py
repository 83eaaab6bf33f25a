# expect: TVL010
# style: ESPnet-style FastSpeech-like TTS encoder recipe with make_non_pad_mask helpers (lengths -> masks)
# bug: the encoder passes make_non_pad_mask(ilens) (True = real frame) as src_key_padding_mask, which nn.TransformerEncoder interprets as True = padding
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def make_pad_mask(lengths, maxlen=None):
    maxlen = maxlen or int(lengths.max())
    seq = torch.arange(maxlen, device=lengths.device)
    return seq[None, :] >= lengths[:, None]


def make_non_pad_mask(lengths, maxlen=None):
    return ~make_pad_mask(lengths, maxlen)


class DurationTTSEncoder(nn.Module):
    def __init__(self, idim, adim=256, aheads=4, elayers=4, odim=80):
        super().__init__()
        self.embed = nn.Embedding(idim, adim, padding_idx=0)
        layer = nn.TransformerEncoderLayer(adim, aheads, dim_feedforward=1024, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, elayers)
        self.duration_predictor = nn.Sequential(nn.Linear(adim, 256), nn.ReLU(), nn.Linear(256, 1))
        self.feat_out = nn.Linear(adim, odim)

    def forward(self, xs, ilens):
        masks = make_non_pad_mask(ilens, xs.size(1)).to(xs.device)
        hs = self.encoder(self.embed(xs), src_key_padding_mask=masks)
        return self.feat_out(hs), self.duration_predictor(hs).squeeze(-1)


def compute_loss(model, xs, ilens, ys, ds):
    before, d_outs = model(xs, ilens)
    valid = make_non_pad_mask(ilens, xs.size(1)).unsqueeze(-1)
    l1 = (before - ys).abs().masked_select(valid).mean()
    dur = ((d_outs - torch.log1p(ds.float())) ** 2).masked_select(valid.squeeze(-1)).mean()
    return l1 + dur, {"l1_loss": l1.item(), "duration_loss": dur.item()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_epoch", type=int, default=20)
    parser.add_argument("--accum_grad", type=int, default=1)
    args = parser.parse_args()
    N, T = 800, 60
    ilens = torch.randint(10, T + 1, (N,))
    xs = torch.randint(1, 70, (N, T)) * make_non_pad_mask(ilens, T)
    ys = torch.randn(N, T, 80)
    ds = torch.randint(1, 8, (N, T))
    loader = DataLoader(TensorDataset(xs, ilens, ys, ds), batch_size=16, shuffle=True)
    model = DurationTTSEncoder(idim=70)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    for epoch in range(args.max_epoch):
        model.train()
        for it, (x, il, y, d) in enumerate(loader):
            loss, stats = compute_loss(model, x, il, y, d)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            if it % 10 == 0:
                print(epoch, it, stats)
