# expect: TVL001
import lightning as L
import torch
import torch.nn.functional as F


class LitClassifier(L.LightningModule):
    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def training_step(self, batch, batch_idx):
        x, y = batch
        with torch.no_grad():
            feats = self.backbone(x)
        loss = F.cross_entropy(self.head(feats), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)
