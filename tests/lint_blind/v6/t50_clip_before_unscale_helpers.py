# expect: TVL016
# style: Trainer with small helper methods, mixed-precision MLP-Mixer image classification
# bug: backward_pass() clips gradients right after scaler.scale(loss).backward(), while optimizer_step() only calls scaler.unscale_() later, so clipping is applied to the scaled gradients.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MixerBlock(nn.Module):
    def __init__(self, tokens, dim, tok_hidden=128, ch_hidden=512):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.tok = nn.Sequential(nn.Linear(tokens, tok_hidden), nn.GELU(), nn.Linear(tok_hidden, tokens))
        self.n2 = nn.LayerNorm(dim)
        self.ch = nn.Sequential(nn.Linear(dim, ch_hidden), nn.GELU(), nn.Linear(ch_hidden, dim))

    def forward(self, x):
        x = x + self.tok(self.n1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.ch(self.n2(x))


class Mixer(nn.Module):
    def __init__(self, img=32, patch=4, dim=128, depth=6, n_cls=10):
        super().__init__()
        tokens = (img // patch) ** 2
        self.stem = nn.Conv2d(3, dim, patch, patch)
        self.blocks = nn.Sequential(*[MixerBlock(tokens, dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_cls)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(x)).mean(1))


class AmpTrainer:
    def __init__(self, model, lr=1e-3, max_grad_norm=1.0, device="cuda"):
        self.device = device
        self.model = model.to(device)
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
        self.scaler = torch.cuda.amp.GradScaler()
        self.max_grad_norm = max_grad_norm

    def forward_loss(self, x, y):
        with torch.autocast("cuda", dtype=torch.float16):
            return F.cross_entropy(self.model(x), y, label_smoothing=0.1)

    def backward_pass(self, loss):
        self.scaler.scale(loss).backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.max_grad_norm)

    def optimizer_step(self):
        self.scaler.unscale_(self.opt)
        self.scaler.step(self.opt)
        self.scaler.update()
        self.opt.zero_grad(set_to_none=True)

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            self.model.train()
            tot = 0.0
            for x, y in loader:
                x, y = x.to(self.device), y.to(self.device)
                loss = self.forward_loss(x, y)
                self.backward_pass(loss)
                self.optimizer_step()
                tot += loss.item()
            print(f"epoch {epoch} loss {tot / len(loader):.4f} scale {self.scaler.get_scale():.0f}")


if __name__ == "__main__":
    ds = TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,)))
    loader = DataLoader(ds, batch_size=128, shuffle=True, num_workers=4, pin_memory=True)
    AmpTrainer(Mixer()).fit(loader, epochs=10)
