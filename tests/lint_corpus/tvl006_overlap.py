# expect: TVL006
import torch


def make_optimizers(model):
    opt_main = torch.optim.SGD(model.parameters(), lr=0.1)
    opt_head = torch.optim.Adam(model.classifier.parameters(), lr=1e-3)
    return opt_main, opt_head
