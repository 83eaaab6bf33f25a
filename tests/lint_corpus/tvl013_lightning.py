# expect: TVL013
import lightning as L
import torch.nn.functional as F


class Lit(L.LightningModule):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def training_step(self, batch, batch_idx):
        x, y = batch
        model = self.net
        return F.cross_entropy(model.forward(x), y)
