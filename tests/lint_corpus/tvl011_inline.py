# expect: TVL011
def step(model, opt, loss, total_norm):
    loss.backward()
    if total_norm > 0 and model.encoder.weight.grad.norm() > 0:
        opt.step()
    opt.zero_grad()
