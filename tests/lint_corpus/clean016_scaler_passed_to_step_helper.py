# expect: clean
# The scaler is handed to a helper of this file that steps with it and updates it;
# being passed to a function does not hide the missing update when the function is right here.
import torch


def apply_update(model_loss, opt, amp_scaler):
    opt.zero_grad()
    amp_scaler.scale(model_loss).backward()
    amp_scaler.step(opt)
    amp_scaler.update()


def run_epoch(net, batches, opt, amp_scaler):
    for inputs, labels in batches:
        with torch.autocast("cuda", dtype=torch.float16):
            model_loss = torch.nn.functional.mse_loss(net(inputs), labels)
        apply_update(model_loss, opt, amp_scaler)


net = torch.nn.Linear(8, 1).cuda()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
grad_scaler = torch.cuda.amp.GradScaler()
for _ in range(3):
    run_epoch(net, loader, opt, grad_scaler)
