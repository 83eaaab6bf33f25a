# expect: TVL016
# style: accelerate-like shim (Accelerator.backward / Accelerator.optimizer_step) around GradScaler, speech CTC acoustic model
# bug: MiniAccelerator.optimizer_step unscales, clips and calls self.scaler.step(optimizer) but never self.scaler.update()
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("ctc")


class MiniAccelerator:
    def __init__(self, mixed_precision="fp16"):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.use_amp = mixed_precision == "fp16" and self.device.type == "cuda"
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.use_amp)

    def prepare(self, *objs):
        out = []
        for o in objs:
            if isinstance(o, nn.Module):
                o = o.to(self.device)
            out.append(o)
        return out

    def autocast(self):
        return torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.use_amp)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def optimizer_step(self, optimizer, model, max_norm=None):
        self.scaler.unscale_(optimizer)
        if max_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        self.scaler.step(optimizer)


class SpeechFrames(Dataset):
    def __init__(self, n, vocab=30):
        self.n, self.vocab = n, vocab

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        T = int(torch.randint(100, 200, (1,), generator=g))
        U = int(torch.randint(10, 30, (1,), generator=g))
        return torch.randn(T, 80, generator=g), torch.randint(1, self.vocab, (U,), generator=g)


def collate(batch):
    feats = nn.utils.rnn.pad_sequence([b[0] for b in batch], batch_first=True)
    targets = torch.cat([b[1] for b in batch])
    feat_lens = torch.tensor([len(b[0]) for b in batch])
    tgt_lens = torch.tensor([len(b[1]) for b in batch])
    return feats, feat_lens, targets, tgt_lens


class BiLSTMCTC(nn.Module):
    def __init__(self, n_mels=80, hidden=320, vocab=30):
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden, num_layers=3, batch_first=True, bidirectional=True, dropout=0.1)
        self.out = nn.Linear(2 * hidden, vocab)

    def forward(self, feats):
        h, _ = self.lstm(feats)
        return F.log_softmax(self.out(h), dim=-1)


def main(epochs=5):
    logging.basicConfig(level=logging.INFO)
    acc = MiniAccelerator("fp16")
    model = BiLSTMCTC()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    loader = DataLoader(SpeechFrames(2000), batch_size=16, shuffle=True, collate_fn=collate)
    model, opt = acc.prepare(model, opt)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    step = 0
    for epoch in range(epochs):
        model.train()
        for feats, feat_lens, targets, tgt_lens in loader:
            feats = feats.to(acc.device)
            with acc.autocast():
                logp = model(feats)
            loss = ctc(logp.float().transpose(0, 1), targets, feat_lens, tgt_lens)
            opt.zero_grad()
            acc.backward(loss)
            acc.optimizer_step(opt, model, max_norm=5.0)
            step += 1
            if step % 25 == 0:
                logger.info("epoch %d step %d ctc %.3f scale %.0f", epoch, step, loss.item(), acc.scaler.get_scale())
        torch.save(model.state_dict(), f"ctc_ep{epoch}.pt")


if __name__ == "__main__":
    main()
