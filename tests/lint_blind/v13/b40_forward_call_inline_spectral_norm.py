# expect: TVL013
# style: beginner script for a WGAN-ish critic with spectral_norm (a hook-based parametrisation), inline loops
# bug: the critic and generator are called as critic.forward(x) / gen.forward(z) in the training loop, bypassing nn.Module.__call__ and any hooks registered on those two modules
import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)
Z = 32
device = "cuda" if torch.cuda.is_available() else "cpu"

# ring of 8 gaussians
angles = torch.arange(8) * (2 * torch.pi / 8)
centers = torch.stack([angles.cos(), angles.sin()], 1) * 2
idx = torch.randint(0, 8, (20000,))
real_data = centers[idx] + 0.05 * torch.randn(20000, 2)
loader = DataLoader(TensorDataset(real_data), batch_size=256, shuffle=True, drop_last=True)


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(Z, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))

    def forward(self, z):
        return self.net(z)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            spectral_norm(nn.Linear(2, 128)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Linear(128, 128)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Linear(128, 1)))

    def forward(self, x):
        return self.net(x).squeeze(-1)


gen = Gen().to(device)
critic = Critic().to(device)
opt_g = torch.optim.Adam(gen.parameters(), lr=1e-4, betas=(0.5, 0.9))
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
n_critic = 5

step = 0
for epoch in range(30):
    for (real,) in loader:
        real = real.to(device)
        z = torch.randn(real.size(0), Z, device=device)
        fake = gen.forward(z).detach()
        # hinge loss for the critic
        loss_c = torch.relu(1 - critic.forward(real)).mean() + torch.relu(1 + critic.forward(fake)).mean()
        opt_c.zero_grad()
        loss_c.backward()
        opt_c.step()

        if step % n_critic == 0:
            z = torch.randn(real.size(0), Z, device=device)
            loss_g = -critic.forward(gen.forward(z)).mean()
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
        step += 1
    print(f"epoch {epoch}: loss_c {loss_c.item():.4f} loss_g {loss_g.item():.4f}")

with torch.no_grad():
    gen.eval()
    samples = gen(torch.randn(2000, Z, device=device)).cpu()
    d = torch.cdist(samples, centers).min(1).values
    print("fraction of samples within 0.2 of a mode:", (d < 0.2).float().mean().item())
torch.save(gen.state_dict(), "ring_gen.pt")
