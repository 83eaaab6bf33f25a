# expect: TVL004
# style: mmcv/mmengine-style EpochBasedRunner with separate train()/val() methods
# bug: Runner.val() sets model.eval(); Runner.train() never calls model.train(), so from epoch 2 on training runs in eval mode
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO)


class Segmentor(nn.Module):
    def __init__(self, num_classes=19):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(),
                                      nn.Dropout2d(0.1), nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU())
        self.decode_head = nn.Conv2d(64, num_classes, 1)

    def forward(self, img):
        return self.decode_head(self.backbone(img))


class EpochBasedRunner:
    def __init__(self, model, optimizer, work_dir, max_epochs):
        self.model = model
        self.optimizer = optimizer
        self.work_dir = work_dir
        self.max_epochs = max_epochs
        self.epoch = 0
        self.logger = logging.getLogger("runner")

    def train(self, data_loader):
        for i, (img, gt) in enumerate(data_loader):
            loss = F.cross_entropy(self.model(img), gt, ignore_index=255)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if i % 10 == 0:
                self.logger.info("Epoch [%d][%d] loss: %.4f", self.epoch, i, loss.item())
        self.epoch += 1

    @torch.no_grad()
    def val(self, data_loader):
        self.model.eval()
        inter = union = 0
        for img, gt in data_loader:
            pred = self.model(img).argmax(1)
            inter += ((pred == 1) & (gt == 1)).sum().item()
            union += ((pred == 1) | (gt == 1)).sum().item()
        self.logger.info("Epoch(val) [%d] IoU(cls1): %.4f", self.epoch, inter / max(union, 1))

    def run(self, loaders, workflow):
        while self.epoch < self.max_epochs:
            for mode, loader in zip(workflow, loaders):
                getattr(self, mode)(loader)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", default="work_dirs/seg")
    parser.add_argument("--max-epochs", type=int, default=12)
    args = parser.parse_args()
    model = Segmentor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    train_ds = TensorDataset(torch.randn(64, 3, 64, 64), torch.randint(0, 19, (64, 64, 64)))
    val_ds = TensorDataset(torch.randn(16, 3, 64, 64), torch.randint(0, 19, (16, 64, 64)))
    loaders = [DataLoader(train_ds, batch_size=4, shuffle=True), DataLoader(val_ds, batch_size=4)]
    EpochBasedRunner(model, optimizer, args.work_dir, args.max_epochs).run(loaders, ["train", "val"])


if __name__ == "__main__":
    main()
