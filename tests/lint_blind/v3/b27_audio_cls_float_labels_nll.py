# expect: TVL009
# style: audio tagging / keyword-spotting research script (collate_fn building batches, log_softmax head, NLL loss, tqdm)
# bug: collate_fn turns class indices into a float tensor and train() passes them straight to F.nll_loss, which needs int64 class indices
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm


class KWSDataset(Dataset):
    def __init__(self, n, n_classes, n_mels=40, frames=101):
        self.x = torch.randn(n, n_mels, frames)
        self.y = torch.randint(0, n_classes, (n,)).tolist()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def collate_fn(batch):
    feats = torch.stack([b[0] for b in batch])
    labels = torch.tensor([b[1] for b in batch], dtype=torch.float32)
    return feats, labels


class M5(nn.Module):
    def __init__(self, n_mels=40, n_classes=35, ch=64):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, ch, 3, padding=1), nn.BatchNorm1d(ch), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(ch, 2 * ch, 3, padding=1), nn.BatchNorm1d(2 * ch), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
        self.fc = nn.Linear(2 * ch, n_classes)

    def forward(self, x):
        return F.log_softmax(self.fc(self.conv(x).squeeze(-1)), dim=-1)


def train(model, loader, optimizer, epoch, log_interval):
    model.train()
    pbar = tqdm(loader, desc=f"epoch {epoch}")
    for batch_idx, (data, target) in enumerate(pbar):
        output = model(data)
        loss = F.nll_loss(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if batch_idx % log_interval == 0:
            pbar.set_postfix(loss=f"{loss.item():.4f}")


def test(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            correct += (model(data).argmax(-1) == target.long()).sum().item()
    return 100.0 * correct / len(loader.dataset)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-classes", type=int, default=35)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--log-interval", type=int, default=20)
    args = ap.parse_args()
    train_loader = DataLoader(KWSDataset(2000, args.n_classes), batch_size=64, shuffle=True, collate_fn=collate_fn)
    test_loader = DataLoader(KWSDataset(400, args.n_classes), batch_size=128, shuffle=False, collate_fn=collate_fn)
    model = M5(n_classes=args.n_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
    for epoch in range(1, args.epochs + 1):
        train(model, train_loader, optimizer, epoch, args.log_interval)
        print(f"Test accuracy: {test(model, test_loader):.2f}%")
