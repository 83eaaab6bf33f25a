# expect: TVL013
# style: plain script, U-Net-lite denoiser with a forward hook for activation statistics
# bug: the training loop calls model.forward(noisy) directly, bypassing __call__ so the registered activation-monitoring hooks never run
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(3)


class DenoiseNet(nn.Module):
    def __init__(self, ch=32):
        super().__init__()
        self.down1 = nn.Sequential(nn.Conv2d(1, ch, 3, padding=1), nn.ReLU(), nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU())
        self.down2 = nn.Sequential(nn.Conv2d(ch, 2 * ch, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(2 * ch, ch, 2, stride=2)
        self.fuse = nn.Sequential(nn.Conv2d(2 * ch, ch, 3, padding=1), nn.ReLU(), nn.Conv2d(ch, 1, 1))

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(F.max_pool2d(d1, 2))
        u = self.up(d2)
        return x - self.fuse(torch.cat([u, d1], 1))   # predict the noise residual


act_stats = {}


def monitor(name):
    def hook(module, inputs, output):
        act_stats[name] = (output.detach().mean().item(), output.detach().std().item())
    return hook


clean = torch.rand(4000, 1, 48, 48)
sigma = 0.1
train_loader = DataLoader(TensorDataset(clean[:3600]), batch_size=32, shuffle=True)
val_clean = clean[3600:]

model = DenoiseNet()
for name, module in model.named_children():
    module.register_forward_hook(monitor(name))
model.register_forward_hook(monitor("output"))

optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)


def psnr(pred, target):
    mse = F.mse_loss(pred.clamp(0, 1), target)
    return (10 * torch.log10(1.0 / mse)).item()


for epoch in range(30):
    model.train()
    epoch_loss = 0.0
    for (x,) in train_loader:
        noisy = x + sigma * torch.randn_like(x)
        denoised = model.forward(noisy)
        loss = F.mse_loss(denoised, x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    model.eval()
    with torch.no_grad():
        noisy_val = val_clean + sigma * torch.randn_like(val_clean)
        val_psnr = psnr(model(noisy_val), val_clean)
        base_psnr = psnr(noisy_val, val_clean)
    print(f"epoch {epoch:02d} loss {epoch_loss / len(train_loader):.5f} "
          f"PSNR {val_psnr:.2f} dB (noisy {base_psnr:.2f} dB)")
    for name, (m, s) in act_stats.items():
        if s < 1e-4:
            print(f"  warning: activations of {name} collapsed (std {s:.2e})")

torch.save(model.state_dict(), "denoiser.pt")
