# expect: clean
import torch


def train(model, loader, opt):
    for x, y in loader:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        for p in model.parameters():
            p.grad = None
