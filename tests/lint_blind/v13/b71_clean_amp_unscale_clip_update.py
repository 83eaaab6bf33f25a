# expect: clean
# style: accelerate-like shim around GradScaler, image captioning-ish encoder-decoder (CNN + GRU)
# note: clipping happens inside optimizer_step() after scaler.unscale_(), and scaler.step() is followed by scaler.update()
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("caption")


class AmpHelper:
    def __init__(self, enabled):
        self.enabled = enabled
        self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    def autocast(self, device_type):
        return torch.autocast(device_type=device_type, dtype=torch.float16, enabled=self.enabled)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def optimizer_step(self, optimizer, params, max_norm):
        self.scaler.unscale_(optimizer)
        norm = nn.utils.clip_grad_norm_(params, max_norm)
        self.scaler.step(optimizer)
        self.scaler.update()
        return norm


class Captioner(nn.Module):
    def __init__(self, vocab=5000, dim=256):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.ReLU(), nn.Conv2d(64, dim, 3, 2, 1), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.gru = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, vocab)

    def forward(self, img, tokens):
        h0 = self.cnn(img)[None]
        o, _ = self.gru(self.emb(tokens), h0)
        return self.out(o)


def main(epochs=5, max_norm=1.0):
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    amp = AmpHelper(enabled=dev.type == "cuda")
    imgs = torch.rand(2000, 3, 64, 64)
    caps = torch.randint(1, 5000, (2000, 16))
    loader = DataLoader(TensorDataset(imgs, caps), batch_size=32, shuffle=True, drop_last=True)
    model = Captioner().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=4e-4)
    step = 0
    for ep in range(epochs):
        model.train()
        for img, cap in loader:
            img, cap = img.to(dev), cap.to(dev)
            with amp.autocast(dev.type):
                logits = model(img, cap[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), cap[:, 1:].reshape(-1), ignore_index=0)
            opt.zero_grad(set_to_none=True)
            amp.backward(loss)
            gn = amp.optimizer_step(opt, model.parameters(), max_norm)
            step += 1
            if step % 20 == 0:
                log.info("ep %d step %d loss %.4f gn %.3f scale %.1f", ep, step, loss.item(), float(gn),
                         amp.scaler.get_scale())
        torch.save({"model": model.state_dict(), "scaler": amp.scaler.state_dict()}, "captioner.pt")


if __name__ == "__main__":
    main()
