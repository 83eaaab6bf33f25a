# expect: clean
# Twin of tvl013_wrapper_given_zoo_model: the wrapper calls the stored network itself.
import torch
import torchvision


class Wrapper:
    def __init__(self, backbone):
        self.backbone = backbone

    def logits(self, images):
        return self.backbone(images)


net = torchvision.models.resnet18(num_classes=10)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
wrap = Wrapper(net)
for _ in range(10):
    loss = torch.nn.functional.cross_entropy(wrap.logits(torch.randn(2, 3, 64, 64)), torch.tensor([1, 2]))
    opt.zero_grad()
    loss.backward()
    opt.step()
