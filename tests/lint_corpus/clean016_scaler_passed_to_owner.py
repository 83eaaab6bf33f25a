# expect: clean
# The scaler's step is in a helper, and the scaler is also handed to an object of this file that
# keeps it (stores it on self): what that object does with it later is not followed, so no claim.
import torch


class ScaleKeeper:
    def __init__(self, s):
        self.held = s

    def finish(self):
        self.held.update()


def apply_update(model_loss, opt, amp_scaler):
    opt.zero_grad()
    amp_scaler.scale(model_loss).backward()
    amp_scaler.step(opt)


net = torch.nn.Linear(8, 1).cuda()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
grad_scaler = torch.cuda.amp.GradScaler()
keeper = ScaleKeeper(grad_scaler)
for inputs, labels in loader:
    with torch.autocast("cuda", dtype=torch.float16):
        model_loss = torch.nn.functional.mse_loss(net(inputs), labels)
    apply_update(model_loss, opt, grad_scaler)
    keeper.finish()
