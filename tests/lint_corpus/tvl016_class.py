# expect: TVL016
from torch.amp import GradScaler
from torch.nn.utils import clip_grad_norm_


class Trainer:
    def __init__(self):
        self.scaler = GradScaler("cuda")

    def fit(self, loader):
        for batch in loader:
            self.opt.zero_grad()
            loss = self.model(batch)
            self.scaler.scale(loss).backward()
            clip_grad_norm_(self.model.parameters(), 0.5)
            self.scaler.step(self.opt)
            self.scaler.update()
