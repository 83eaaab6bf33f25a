# expect: TVL004,TVL013
# style: hand-rolled engine module (Trainer.fit → _train_epoch / _validate) for a ViT-ish classifier with timm-like logging
# bug: _validate() switches the model to eval() and nothing switches it back, while _train_epoch never calls train() (TVL004); _train_epoch calls self.model.forward(images) directly (TVL013)
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("engine")


class PatchViT(nn.Module):
    def __init__(self, img=32, patch=4, dim=128, depth=4, heads=4, n_cls=10):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, (img // patch) ** 2 + 1, dim))
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 4, dropout=0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.head = nn.Linear(dim, n_cls)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.size(0), -1, -1), x], 1) + self.pos_embed
        return self.head(self.blocks(x)[:, 0])


class Trainer:
    def __init__(self, model, optimizer, train_loader, val_loader):
        self.model, self.optimizer = model, optimizer
        self.train_loader, self.val_loader = train_loader, val_loader
        self.criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    def _train_epoch(self, epoch):
        for i, (images, targets) in enumerate(self.train_loader):
            outputs = self.model.forward(images)
            loss = self.criterion(outputs, targets)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if i % 20 == 0:
                _logger.info("Train: %d [%d/%d] loss %.4f", epoch, i, len(self.train_loader), loss.item())

    def _validate(self):
        self.model.eval()
        correct = 0
        with torch.no_grad():
            for images, targets in self.val_loader:
                correct += (self.model(images).argmax(-1) == targets).sum().item()
        return correct / len(self.val_loader.dataset)

    def fit(self, epochs):
        for epoch in range(epochs):
            self._train_epoch(epoch)
            _logger.info("epoch %d top1 %.4f", epoch, self._validate())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    model = PatchViT()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    train_loader = DataLoader(TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,))), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(torch.randn(500, 3, 32, 32), torch.randint(0, 10, (500,))), batch_size=250)
    Trainer(model, opt, train_loader, val_loader).fit(args.epochs)
