# expect: clean
import torch


def restore(path):
    return torch.load(path)


class Registry:
    def command(self):
        return lambda f: f


reg = Registry()


@reg.command()
def warm(path="weights/base.pt"):
    return torch.load(path)


restore("weights/base.pt")
