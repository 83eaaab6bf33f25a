# expect: clean
# style: staged fine-tuning of a speech encoder (wav2vec-like) + CTC head, stage config decides which parts train
# note: stage 1 optimizes only the CTC head, but freeze_for_stage() turns requires_grad off for the feature encoder and transformer first; stage 2 rebuilds the optimizer over everything after unfreezing
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("asr")


@dataclass
class Stage:
    name: str
    epochs: int
    lr: float
    train_encoder: bool


STAGES = [Stage("head_only", 2, 1e-3, False), Stage("full", 4, 5e-5, True)]


class SpeechEncoder(nn.Module):
    def __init__(self, dim=256, vocab=32):
        super().__init__()
        self.feature_encoder = nn.Sequential(nn.Conv1d(1, dim, 10, 5), nn.GELU(), nn.Conv1d(dim, dim, 3, 2), nn.GELU(),
                                             nn.Conv1d(dim, dim, 3, 2), nn.GELU())
        layer = nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True)
        self.transformer = nn.TransformerEncoder(layer, 3)
        self.ctc_head = nn.Linear(dim, vocab)

    def forward(self, wav):
        h = self.feature_encoder(wav.unsqueeze(1)).transpose(1, 2)
        return F.log_softmax(self.ctc_head(self.transformer(h)), -1)


def freeze_for_stage(model, stage):
    for module in (model.feature_encoder, model.transformer):
        module.requires_grad_(stage.train_encoder)
    model.ctc_head.requires_grad_(True)


def build_optimizer(model, stage):
    if stage.train_encoder:
        params = model.parameters()
    else:
        params = model.ctc_head.parameters()
    return torch.optim.AdamW(params, lr=stage.lr, weight_decay=0.01)


def run_stage(model, stage, loader):
    freeze_for_stage(model, stage)
    opt = build_optimizer(model, stage)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    for ep in range(stage.epochs):
        model.train()
        tot = 0.0
        for wav, tgt in loader:
            logp = model(wav)
            T = logp.size(1)
            in_lens = torch.full((wav.size(0),), T, dtype=torch.long)
            tgt_lens = torch.full((wav.size(0),), tgt.size(1), dtype=torch.long)
            loss = ctc(logp.transpose(0, 1), tgt, in_lens, tgt_lens)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        log.info("[%s] epoch %d ctc %.4f trainable=%d", stage.name, ep, tot / len(loader),
                 sum(p.numel() for p in model.parameters() if p.requires_grad))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    wav = torch.randn(800, 16000)
    tgt = torch.randint(1, 32, (800, 20))
    loader = DataLoader(TensorDataset(wav, tgt), batch_size=8, shuffle=True)
    model = SpeechEncoder()
    for st in STAGES:
        run_stage(model, st, loader)
    torch.save(model.state_dict(), "asr_ctc.pt")
