# expect: TVL015
# style: mmcv/mmseg-style build_dataloader(dataset, cfg) with a data config dict per split; pose-estimation heatmap regression
# bug: build_dataloader() uses shuffle=loader_cfg.get("shuffle", False) and the train split's config has no "shuffle" key, so the training loader is never shuffled
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

data_cfg = dict(
    train=dict(num_samples=2000, loader=dict(samples_per_gpu=32, workers_per_gpu=4, drop_last=True)),
    val=dict(num_samples=400, loader=dict(samples_per_gpu=64, workers_per_gpu=2)),
)
optim_cfg = dict(lr=5e-4, total_epochs=60, milestones=[40, 55])


class KeypointDataset(Dataset):
    def __init__(self, num_samples, num_joints=17, size=64):
        self.imgs = torch.randn(num_samples, 3, size, size)
        self.joints = torch.randint(4, size // 4 - 4, (num_samples, num_joints, 2))
        self.size = size

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        hm_size = self.size // 4
        yy, xx = torch.meshgrid(torch.arange(hm_size), torch.arange(hm_size), indexing="ij")
        j = self.joints[i].float()
        heatmaps = torch.exp(-((xx[None] - j[:, 0, None, None]) ** 2 + (yy[None] - j[:, 1, None, None]) ** 2) / 8.0)
        return self.imgs[i], heatmaps


def build_dataloader(dataset, loader_cfg):
    return DataLoader(dataset, batch_size=loader_cfg["samples_per_gpu"], num_workers=loader_cfg["workers_per_gpu"],
                      shuffle=loader_cfg.get("shuffle", False), drop_last=loader_cfg.get("drop_last", False),
                      pin_memory=True)


class SimpleBaseline(nn.Module):
    def __init__(self, num_joints=17):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.final_layer = nn.Conv2d(128, num_joints, 1)

    def forward(self, x):
        return self.final_layer(self.backbone(x))


def train_epoch(model, loader, optimizer):
    model.train()
    for img, target in loader:
        loss = F.mse_loss(model(img), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    err = sum(F.mse_loss(model(img), t, reduction="sum").item() for img, t in loader)
    return err / len(loader.dataset)


if __name__ == "__main__":
    datasets = {split: KeypointDataset(c["num_samples"]) for split, c in data_cfg.items()}
    loaders = {split: build_dataloader(datasets[split], data_cfg[split]["loader"]) for split in data_cfg}
    model = SimpleBaseline()
    optimizer = torch.optim.Adam(model.parameters(), lr=optim_cfg["lr"])
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, optim_cfg["milestones"], gamma=0.1)
    for epoch in range(optim_cfg["total_epochs"]):
        last = train_epoch(model, loaders["train"], optimizer)
        scheduler.step()
        print(f"Epoch [{epoch + 1}] loss {last:.6f} val_mse {evaluate(model, loaders['val']):.6f}")
