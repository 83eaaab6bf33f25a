# expect: TVL011
import math


def train_step(self, batch):
    loss = self.compute_loss(batch)
    self.scaler.scale(loss).backward()
    self.scaler.unscale_(self.opt)
    g_back = _group_grad_norm(self.backbone_params)
    g_head = _group_grad_norm(self.head_params)
    ok = math.isfinite(g_back) and math.isfinite(g_head) and g_back > 0 and g_head > 0
    if ok:
        self.scaler.step(self.opt)
        self.scaler.update()
        self.opt.zero_grad(set_to_none=True)
