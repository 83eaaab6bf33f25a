# expect: TVL017
import lightning as L
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader


class LitClassifier(L.LightningModule):
    def __init__(self, backbone, val_ds):
        super().__init__()
        self.backbone = backbone
        self.val_ds = val_ds
        self.val_preds = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self.backbone(x), y)

    def validation_step(self, batch, batch_idx):
        x, _ = batch
        self.val_preds.append(self.backbone(x).argmax(1))

    def on_validation_epoch_end(self):
        preds = torch.cat(self.val_preds).cpu()
        self.log("val_acc", (preds == self.val_ds.labels).float().mean())
        self.val_preds.clear()

    def val_dataloader(self):
        return DataLoader(self.val_ds, batch_size=128, shuffle=True)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=3e-4)
