# expect: TVL013
# A training wrapper stores a model-zoo network (its class is not in this file, but it is the
# one the optimizer updates) and runs it through `.forward`, skipping its hooks.
import torch
import torchvision


class Wrapper:
    def __init__(self, backbone):
        self.backbone = backbone

    def logits(self, images):
        return self.backbone.forward(images)


net = torchvision.models.resnet18(num_classes=10)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
wrap = Wrapper(net)
for _ in range(10):
    loss = torch.nn.functional.cross_entropy(wrap.logits(torch.randn(2, 3, 64, 64)), torch.tensor([1, 2]))
    opt.zero_grad()
    loss.backward()
    opt.step()
