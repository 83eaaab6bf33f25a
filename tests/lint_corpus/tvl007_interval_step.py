# expect: TVL007
# A Lightning module hands its epoch StepLR to the trainer with interval "step": the trainer
# steps it every batch.
import torch
import torch.nn as nn
import lightning as L


class Lit(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(10, 2)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.net(x), y)

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


L.Trainer(max_epochs=90).fit(Lit())
