# expect: clean
import lightning as L
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader


class LitClassifier(L.LightningModule):
    def __init__(self, backbone, val_ds):
        super().__init__()
        self.backbone = backbone
        self.val_ds = val_ds

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self.backbone(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self.backbone(x)
        self.log("val_loss", F.cross_entropy(logits, y))
        self.log("val_acc", (logits.argmax(1) == y).float().mean())

    def val_dataloader(self):
        return DataLoader(self.val_ds, batch_size=128, shuffle=True)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=3e-4)
