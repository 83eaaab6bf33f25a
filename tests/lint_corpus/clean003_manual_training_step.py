# expect: clean
# Twin of tvl003_manual_training_step: each optimizer clears its gradients after stepping.
import torch
import torch.nn as nn
import lightning as L


class GAN(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.g = nn.Linear(4, 4)
        self.d = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        opt_g, opt_d = self.optimizers()
        fake = self.g(torch.randn(8, 4))
        d_loss = self.d(fake.detach()).mean() - self.d(batch).mean()
        self.manual_backward(d_loss)
        opt_d.step()
        opt_d.zero_grad()
        g_loss = -self.d(fake).mean()
        self.manual_backward(g_loss)
        opt_g.step()
        opt_g.zero_grad()

    def configure_optimizers(self):
        return torch.optim.Adam(self.g.parameters()), torch.optim.Adam(self.d.parameters())
