# expect: TVL016
# style: engine/runner class with an AMP helper object, wav2vec-like CTC speech model fine-tuning
# bug: MixedPrecision.step() calls scaler.step() and the separate MixedPrecision.update() (which wraps scaler.update()) is defined but never called by the engine.
import torch
import torch.nn as nn
import torch.nn.functional as F


class MixedPrecision:
    def __init__(self, enabled=True, init_scale=2.0 ** 14):
        self.enabled = enabled
        self.scaler = torch.cuda.amp.GradScaler(init_scale=init_scale, enabled=enabled)

    def autocast(self):
        return torch.autocast("cuda", dtype=torch.float16, enabled=self.enabled)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def clip(self, optimizer, params, max_norm):
        self.scaler.unscale_(optimizer)
        return torch.nn.utils.clip_grad_norm_(params, max_norm)

    def step(self, optimizer):
        self.scaler.step(optimizer)

    def update(self):
        self.scaler.update()


class FeatureEncoder(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(1, dim, 10, 5), nn.GELU(),
            nn.Conv1d(dim, dim, 3, 2), nn.GELU(),
            nn.Conv1d(dim, dim, 3, 2), nn.GELU(),
        )
        layer = nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True)
        self.context = nn.TransformerEncoder(layer, 3)
        self.lm_head = nn.Linear(dim, 30)

    def forward(self, wav):
        h = self.conv(wav.unsqueeze(1)).transpose(1, 2)
        return self.lm_head(self.context(h)).log_softmax(-1)


class CTCEngine:
    def __init__(self, model, lr=5e-5, max_norm=1.0):
        self.model = model.cuda()
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr)
        self.amp = MixedPrecision()
        self.max_norm = max_norm
        self.ctc = nn.CTCLoss(blank=0, zero_infinity=True)

    def train_step(self, wav, targets, target_lens):
        self.opt.zero_grad(set_to_none=True)
        with self.amp.autocast():
            log_probs = self.model(wav)
        in_lens = torch.full((wav.size(0),), log_probs.size(1), dtype=torch.long)
        loss = self.ctc(log_probs.float().transpose(0, 1), targets, in_lens, target_lens)
        self.amp.backward(loss)
        gnorm = self.amp.clip(self.opt, self.model.parameters(), self.max_norm)
        self.amp.step(self.opt)
        return loss.item(), gnorm.item()

    def run(self, steps, bs=4):
        self.model.train()
        for step in range(steps):
            wav = torch.randn(bs, 32000, device="cuda")
            tl = torch.randint(10, 40, (bs,))
            targets = torch.randint(1, 30, (int(tl.sum()),))
            loss, gnorm = self.train_step(wav, targets, tl)
            if step % 50 == 0:
                print(f"step {step} ctc {loss:.3f} |g| {gnorm:.2f} scale {self.amp.scaler.get_scale():.0f}")


if __name__ == "__main__":
    CTCEngine(FeatureEncoder()).run(steps=1000)
