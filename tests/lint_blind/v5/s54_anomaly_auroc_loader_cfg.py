# expect: TVL017
# style: industrial visual anomaly detection (MVTec-like) with a convolutional autoencoder; per-split loader kwargs kept in a LOADER_CFG dict
# bug: LOADER_CFG["test"] has shuffle=True, and evaluate() scores the shuffled test loader against test_set.is_anomaly in dataset order for roc_auc_score
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, Dataset

LOADER_CFG = {
    "train": dict(batch_size=32, shuffle=True, num_workers=4, drop_last=True),
    "test": dict(batch_size=32, shuffle=True, num_workers=4),
}


class TexturePatches(Dataset):
    def __init__(self, n, split="train"):
        self.images = torch.rand(n, 3, 64, 64)
        self.is_anomaly = torch.zeros(n, dtype=torch.long)
        if split == "test":
            self.is_anomaly[n // 2:] = 1
            self.images[n // 2:, :, 20:40, 20:40] = 1.0

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i]


class ConvAE(nn.Module):
    def __init__(self, z=64):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 32, 4, 2, 1), nn.LeakyReLU(0.2),
                                     nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                                     nn.Conv2d(64, z, 4, 2, 1))
        self.decoder = nn.Sequential(nn.ConvTranspose2d(z, 64, 4, 2, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(32, 3, 4, 2, 1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def evaluate(model, test_set):
    loader = DataLoader(test_set, **LOADER_CFG["test"])
    model.eval()
    scores = []
    with torch.no_grad():
        for x in loader:
            scores.append(F.mse_loss(model(x), x, reduction="none").flatten(1).amax(1))
    return roc_auc_score(test_set.is_anomaly.numpy(), torch.cat(scores).numpy())


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()
    train_set, test_set = TexturePatches(800), TexturePatches(200, "test")
    train_loader = DataLoader(train_set, **LOADER_CFG["train"])
    model = ConvAE()
    opt = torch.optim.Adam(model.parameters(), lr=2e-4, weight_decay=1e-5)
    for epoch in range(args.epochs):
        model.train()
        for x in train_loader:
            loss = F.mse_loss(model(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch}: recon {loss.item():.5f} test AUROC {evaluate(model, test_set):.4f}")
