# expect: clean
# style: set/sequence model for trajectory prediction with nn.MultiheadAttention and a padding helper (agents per scene)
# note: make_key_padding_mask returns True for padded agent slots (valid == 0), which matches key_padding_mask's "True = ignore" convention
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("traj")
MAX_AGENTS, HIST, FUT = 16, 8, 12


def make_key_padding_mask(valid):
    """valid: (B, N) 1 for real agents -> (B, N) bool, True for padded slots to be ignored."""
    return valid == 0


class Scenes(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.n_agents = torch.randint(2, MAX_AGENTS + 1, (n,), generator=g)
        self.hist = torch.randn(n, MAX_AGENTS, HIST, 2, generator=g).cumsum(2)
        vel = self.hist[:, :, -1] - self.hist[:, :, -2]
        self.fut = self.hist[:, :, -1:, :] + vel[:, :, None] * torch.arange(1, FUT + 1)[None, None, :, None]

    def __len__(self):
        return len(self.n_agents)

    def __getitem__(self, i):
        valid = (torch.arange(MAX_AGENTS) < self.n_agents[i]).long()
        return self.hist[i], self.fut[i], valid


class SocialAttn(nn.Module):
    def __init__(self, dim=128, heads=4):
        super().__init__()
        self.enc = nn.GRU(2, dim, batch_first=True)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.dec = nn.Linear(dim, FUT * 2)

    def forward(self, hist, valid):
        B, N, T, _ = hist.shape
        rel = hist - hist[:, :, -1:, :]
        _, h = self.enc(rel.reshape(B * N, T, 2))
        h = h[-1].view(B, N, -1)
        a, _ = self.attn(h, h, h, key_padding_mask=make_key_padding_mask(valid))
        h = self.norm(h + a)
        return hist[:, :, -1:, :] + self.dec(h).view(B, N, FUT, 2)


def masked_ade(pred, gt, valid):
    err = (pred - gt).norm(dim=-1).mean(-1)
    v = valid.float()
    return (err * v).sum() / v.sum()


def main(epochs=8):
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = SocialAttn().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[5, 7], gamma=0.3)
    tr = DataLoader(Scenes(4000, 0), batch_size=64, shuffle=True)
    va = DataLoader(Scenes(500, 1), batch_size=128)
    for ep in range(epochs):
        model.train()
        for hist, fut, valid in tr:
            hist, fut, valid = hist.to(dev), fut.to(dev), valid.to(dev)
            loss = masked_ade(model(hist, valid), fut, valid)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            ade = [masked_ade(model(h.to(dev), v.to(dev)), f.to(dev), v.to(dev)).item() for h, f, v in va]
        log.info("epoch %d train ADE %.3f val ADE %.3f", ep, loss.item(), sum(ade) / len(ade))
    torch.save(model.state_dict(), "social_attn.pt")


if __name__ == "__main__":
    main()
