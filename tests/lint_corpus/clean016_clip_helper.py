# expect: clean
# The same helper with unscale_ first; a second helper only logs the (unscaled) norm.
import torch


def update_weights(unet, opt, amp_scaler, max_norm=1.0):
    amp_scaler.unscale_(opt)
    norm = torch.nn.utils.clip_grad_norm_(unet.parameters(), max_norm)
    amp_scaler.step(opt)
    amp_scaler.update()
    opt.zero_grad(set_to_none=True)
    return norm


def log_norm(norm):
    print(f"grad norm {float(norm):.3f}")


amp_scaler = torch.amp.GradScaler("cuda")
for latents, noise, t in batches:
    with torch.autocast("cuda", dtype=torch.float16):
        loss = torch.nn.functional.mse_loss(unet(latents + noise, t), noise)
    amp_scaler.scale(loss).backward()
    log_norm(update_weights(unet, opt, amp_scaler))
