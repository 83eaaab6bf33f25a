# expect: TVL016
# A diffusion trainer: after the scaled backward, update_weights() clips and only then unscales.
import torch


def update_weights(unet, opt, amp_scaler, max_norm=1.0):
    torch.nn.utils.clip_grad_norm_(unet.parameters(), max_norm)
    amp_scaler.unscale_(opt)
    amp_scaler.step(opt)
    amp_scaler.update()
    opt.zero_grad(set_to_none=True)


amp_scaler = torch.amp.GradScaler("cuda")
for latents, noise, t in batches:
    with torch.autocast("cuda", dtype=torch.float16):
        loss = torch.nn.functional.mse_loss(unet(latents + noise, t), noise)
    amp_scaler.scale(loss).backward()
    update_weights(unet, opt, amp_scaler)
