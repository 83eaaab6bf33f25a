# expect: TVL016
# style: diffusers-style text-to-image fine-tuning loop with native AMP (GradScaler)
# bug: scaler.step(optimizer) is called but scaler.update() never is, so the loss scale never adapts (and inf steps keep being skipped)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class CondUNet(nn.Module):
    def __init__(self, ch=4, ctx_dim=64, hidden=96):
        super().__init__()
        self.ctx = nn.Linear(ctx_dim, hidden)
        self.t_emb = nn.Embedding(1000, hidden)
        self.conv_in = nn.Conv2d(ch, hidden, 3, padding=1)
        self.conv_mid = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.conv_out = nn.Conv2d(hidden, ch, 3, padding=1)

    def forward(self, x, t, ctx):
        h = self.conv_in(x) + (self.t_emb(t) + self.ctx(ctx.mean(1)))[:, :, None, None]
        return self.conv_out(F.silu(self.conv_mid(F.silu(h))))


def main():
    parser = argparse.ArgumentParser(description="Simple example of a training script.")
    parser.add_argument("--learning_rate", type=float, default=1e-5)
    parser.add_argument("--max_train_steps", type=int, default=500)
    parser.add_argument("--train_batch_size", type=int, default=8)
    parser.add_argument("--max_grad_norm", type=float, default=1.0)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    unet = CondUNet().to(device)
    optimizer = torch.optim.AdamW(unet.parameters(), lr=args.learning_rate, weight_decay=1e-2)
    scaler = torch.cuda.amp.GradScaler(enabled=(device == "cuda"))
    alphas = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000), 0).to(device)
    ds = TensorDataset(torch.randn(256, 4, 32, 32), torch.randn(256, 77, 64))
    loader = DataLoader(ds, batch_size=args.train_batch_size, shuffle=True)
    global_step = 0
    while global_step < args.max_train_steps:
        unet.train()
        for latents, enc_hidden in loader:
            latents, enc_hidden = latents.to(device), enc_hidden.to(device)
            noise = torch.randn_like(latents)
            t = torch.randint(0, 1000, (latents.size(0),), device=device)
            a = alphas[t][:, None, None, None]
            noisy = a.sqrt() * latents + (1 - a).sqrt() * noise
            with torch.autocast(device_type=device, dtype=torch.float16, enabled=(device == "cuda")):
                model_pred = unet(noisy, t, enc_hidden)
                loss = F.mse_loss(model_pred.float(), noise.float(), reduction="mean")
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(unet.parameters(), args.max_grad_norm)
            scaler.step(optimizer)
            optimizer.zero_grad(set_to_none=True)
            global_step += 1
            if global_step % 50 == 0:
                print(f"step {global_step} loss {loss.detach().item():.4f}")
            if global_step >= args.max_train_steps:
                break


if __name__ == "__main__":
    main()
