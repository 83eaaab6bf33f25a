# expect: TVL012
# style: LightningModule-like class (training_step / on_train_epoch_end) run by a hand-written loop; DeepLab-style segmentation with ASPP
# bug: training_step does self._epoch_loss += loss with the graph-carrying tensor, keeping every batch's graph alive until on_train_epoch_end resets it
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ASPP(nn.Module):
    def __init__(self, cin, cout, rates=(1, 6, 12)):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Conv2d(cin, cout, 3 if r > 1 else 1, padding=r if r > 1 else 0, dilation=r, bias=False),
                          nn.BatchNorm2d(cout), nn.ReLU()) for r in rates)
        self.project = nn.Sequential(nn.Conv2d(cout * len(rates), cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        return self.project(torch.cat([b(x) for b in self.branches], dim=1))


class DeepLabModule(nn.Module):
    def __init__(self, num_classes=19, lr=0.01):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.aspp = ASPP(128, 128)
        self.classifier = nn.Conv2d(128, num_classes, 1)
        self.lr = lr
        self._epoch_loss, self._n_batches = 0.0, 0

    def forward(self, x):
        out = self.classifier(self.aspp(self.backbone(x)))
        return F.interpolate(out, size=x.shape[-2:], mode="bilinear", align_corners=False)

    def training_step(self, batch, batch_idx):
        img, mask = batch
        loss = F.cross_entropy(self(img), mask, ignore_index=255)
        self._epoch_loss += loss
        self._n_batches += 1
        return loss

    def on_train_epoch_end(self, epoch):
        print(f"epoch {epoch}: train_loss={float(self._epoch_loss) / max(self._n_batches, 1):.4f}")
        self._epoch_loss, self._n_batches = 0.0, 0

    def configure_optimizers(self, max_steps):
        opt = torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9, weight_decay=4e-5)
        poly = torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=max_steps, power=0.9)
        return opt, poly


def run(module, loader, max_epochs):
    opt, sched = module.configure_optimizers(max_epochs * len(loader))
    for epoch in range(max_epochs):
        module.train()
        for i, batch in enumerate(loader):
            loss = module.training_step(batch, i)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        module.on_train_epoch_end(epoch)


if __name__ == "__main__":
    imgs = torch.randn(128, 3, 128, 128)
    masks = torch.randint(0, 19, (128, 128, 128))
    loader = DataLoader(TensorDataset(imgs, masks), batch_size=4, shuffle=True, num_workers=2)
    run(DeepLabModule(), loader, max_epochs=30)
