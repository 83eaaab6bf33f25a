# expect: TVL016
# A trainer split into per-batch methods: the step happens in one method (no loop of its own,
# a driver loop calls it) and no method anywhere calls the scaler's update().
import torch


class SegTrainer:
    def __init__(self, model, opt):
        self.model, self.opt = model, opt
        self.amp = torch.cuda.amp.GradScaler()

    def apply_grads(self):
        self.amp.step(self.opt)
        self.opt.zero_grad()

    def iteration(self, img, mask):
        with torch.autocast("cuda"):
            loss = self.model(img, mask)
        self.amp.scale(loss).backward()
        self.apply_grads()


trainer = SegTrainer(model, opt)
for img, mask in loader:
    trainer.iteration(img, mask)
