# expect: TVL004
# style: PyTorch-Lightning-like LightningModule (training_step/validation_step) driven by a hand-written loop; 3D CNN video classification
# bug: run_validation() switches the module to eval() every epoch and the fit loop never calls train() again, so dropout/BatchNorm stay in eval mode from epoch 2 on
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class C3DLite(nn.Module):
    def __init__(self, n_classes=101):
        super().__init__()
        def block(i, o, pool):
            return nn.Sequential(nn.Conv3d(i, o, 3, padding=1), nn.BatchNorm3d(o), nn.ReLU(inplace=True),
                                 nn.MaxPool3d(pool))
        self.features = nn.Sequential(block(3, 32, (1, 2, 2)), block(32, 64, 2), block(64, 128, 2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(128, n_classes))

    def forward(self, clip):
        return self.head(self.features(clip))


class VideoClassifier(nn.Module):
    def __init__(self, lr, n_classes):
        super().__init__()
        self.net = C3DLite(n_classes)
        self.lr = lr

    def forward(self, clip):
        return self.net(clip)

    def training_step(self, batch, batch_idx):
        clips, y = batch
        return F.cross_entropy(self(clips), y)

    def validation_step(self, batch, batch_idx):
        clips, y = batch
        logits = self(clips)
        return {"val_loss": F.cross_entropy(logits, y).item(), "correct": (logits.argmax(1) == y).sum().item()}

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9, nesterov=True)


def run_validation(module, loader):
    module.eval()
    outs = []
    with torch.no_grad():
        for i, batch in enumerate(loader):
            outs.append(module.validation_step(batch, i))
    n = len(loader.dataset)
    return sum(o["val_loss"] for o in outs) / len(outs), sum(o["correct"] for o in outs) / n


def fit(module, train_loader, val_loader, max_epochs):
    optimizer = module.configure_optimizers()
    for epoch in range(max_epochs):
        for batch_idx, batch in enumerate(train_loader):
            loss = module.training_step(batch, batch_idx)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        val_loss, val_acc = run_validation(module, val_loader)
        print(f"epoch={epoch} val_loss={val_loss:.4f} val_acc={val_acc:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()
    clips, labels = torch.randn(256, 3, 8, 56, 56), torch.randint(0, 101, (256,))
    train_loader = DataLoader(TensorDataset(clips[:200], labels[:200]), batch_size=8, shuffle=True)
    val_loader = DataLoader(TensorDataset(clips[200:], labels[200:]), batch_size=8)
    fit(VideoClassifier(args.lr, 101), train_loader, val_loader, args.max_epochs)
