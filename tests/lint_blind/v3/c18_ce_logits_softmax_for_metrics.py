# expect: clean
# style: MONAI-style 2D multi-class classification (DenseNet-ish net, CrossEntropyLoss on raw logits, softmax only for AUC/confidence under no_grad)
# note: softmax appears only in the validation metric path; the loss receives raw logits and int64 labels
import argparse
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset


class SmallDenseNet(nn.Module):
    def __init__(self, in_ch=1, n_cls=6, growth=16):
        super().__init__()
        self.c1 = nn.Sequential(nn.BatchNorm2d(in_ch), nn.ReLU(), nn.Conv2d(in_ch, growth, 3, padding=1))
        self.c2 = nn.Sequential(nn.BatchNorm2d(in_ch + growth), nn.ReLU(), nn.Conv2d(in_ch + growth, growth, 3, padding=1))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_ch + 2 * growth, n_cls))

    def forward(self, x):
        x = torch.cat([x, self.c1(x)], 1)
        x = torch.cat([x, self.c2(x)], 1)
        return self.head(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_epochs", type=int, default=4)
    ap.add_argument("--num_class", type=int, default=6)
    args = ap.parse_args()
    x = torch.rand(600, 1, 64, 64)
    y = torch.randint(0, args.num_class, (600,))
    train_loader = DataLoader(TensorDataset(x[:500], y[:500]), batch_size=32, shuffle=True, num_workers=2)
    val_loader = DataLoader(TensorDataset(x[500:], y[500:]), batch_size=50, num_workers=2)
    model = SmallDenseNet(n_cls=args.num_class)
    loss_function = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), 1e-4)
    for epoch in range(args.max_epochs):
        model.train()
        for inputs, labels in train_loader:
            optimizer.zero_grad()
            loss = loss_function(model(inputs), labels)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            y_pred = torch.cat([torch.softmax(model(v), dim=1) for v, _ in val_loader])
            y_true = torch.cat([t for _, t in val_loader])
        auc = roc_auc_score(np.eye(args.num_class)[y_true.numpy()], y_pred.numpy(), average="macro")
        acc = (y_pred.argmax(1) == y_true).float().mean().item()
        print(f"epoch {epoch + 1} loss {loss.item():.4f} AUC {auc:.4f} ACC {acc:.4f}")


if __name__ == "__main__":
    main()
