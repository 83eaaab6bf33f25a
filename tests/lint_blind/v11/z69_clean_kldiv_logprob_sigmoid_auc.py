# expect: clean
# style: label-distribution learning (age estimation) with KLDivLoss plus a binary auxiliary head evaluated by AUC
# note: KLDivLoss gets log_softmax input and a probability target (the documented convention); sigmoid is applied only for AUC, the BCE term uses raw logits
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

N_AGES = 80


def gaussian_label(age, sigma=2.0):
    grid = torch.arange(N_AGES, dtype=torch.float32)
    d = torch.exp(-((grid[None] - age[:, None]) ** 2) / (2 * sigma ** 2))
    return d / d.sum(1, keepdim=True)


class AgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.feat = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.age_head = nn.Linear(64, N_AGES)
        self.glasses_head = nn.Linear(64, 1)

    def forward(self, x):
        f = self.feat(x)
        return self.age_head(f), self.glasses_head(f).squeeze(-1)


def compute_losses(model, x, age, glasses, kl):
    age_logits, g_logits = model(x)
    l_age = kl(F.log_softmax(age_logits, dim=1), gaussian_label(age))
    l_g = F.binary_cross_entropy_with_logits(g_logits, glasses)
    return l_age + 0.3 * l_g, age_logits, g_logits


def main():
    n = 2000
    x = torch.randn(n, 3, 48, 48)
    age = torch.randint(0, N_AGES, (n,)).float()
    glasses = (torch.rand(n) < 0.3).float()
    tr = DataLoader(TensorDataset(x[:1600], age[:1600], glasses[:1600]), batch_size=32, shuffle=True)
    va = DataLoader(TensorDataset(x[1600:], age[1600:], glasses[1600:]), batch_size=128)
    model = AgeNet()
    kl = nn.KLDivLoss(reduction="batchmean")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ages = torch.arange(N_AGES, dtype=torch.float32)
    for ep in range(6):
        model.train()
        for xb, ab, gb in tr:
            loss, _, _ = compute_losses(model, xb, ab, gb, kl)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        maes, ps, ys = [], [], []
        with torch.no_grad():
            for xb, ab, gb in va:
                _, al, gl = compute_losses(model, xb, ab, gb, kl)
                expected = (F.softmax(al, 1) * ages).sum(1)
                maes.append((expected - ab).abs().mean().item())
                ps.append(torch.sigmoid(gl).numpy())
                ys.append(gb.numpy())
        print(f"epoch {ep} age MAE {np.mean(maes):.2f} glasses AUC {roc_auc_score(np.concatenate(ys), np.concatenate(ps)):.3f}")


if __name__ == "__main__":
    main()
