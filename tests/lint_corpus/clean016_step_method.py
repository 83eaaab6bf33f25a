# expect: clean
# Twin of tvl016_step_method: the step method updates the scale, and a clipper object gets the
# gradients after unscale_.
import torch


class SegTrainer:
    def __init__(self, model, opt, clipper):
        self.model, self.opt, self.clipper = model, opt, clipper
        self.amp = torch.cuda.amp.GradScaler()

    def apply_grads(self):
        self.amp.step(self.opt)
        self.amp.update()
        self.opt.zero_grad()

    def iteration(self, img, mask):
        with torch.autocast("cuda"):
            loss = self.model(img, mask)
        self.amp.scale(loss).backward()
        self.amp.unscale_(self.opt)
        self.clipper(self.model.parameters())
        self.apply_grads()


trainer = SegTrainer(model, opt, lambda ps: torch.nn.utils.clip_grad_norm_(ps, 1.0))
for img, mask in loader:
    trainer.iteration(img, mask)
