# real: source=https://github.com/pytorch/tutorials/blob/main/advanced_source/neural_style_tutorial.py
# real: args=
# real: bug=no-zero-grad expect=grads-not-cleared
"""The PyTorch neural style transfer tutorial: no model is trained. A frozen CNN (in eval())
gets ContentLoss and StyleLoss modules inserted after its convolutions (each computes
F.mse_loss against a detached target inside forward() and passes its input through), the tail
after the last loss module is cut off, and L-BFGS optimizes the input image itself
(optim.LBFGS([input_img.requires_grad_()])); the closure clamps the image through .data, calls
optimizer.zero_grad(), runs the model and backpropagates style_weight x the style losses plus the
content loss; about 20 closure calls per step. Changed: a small randomly initialised conv net
(5 convolutions with ReLU and max pooling, as vgg19.features starts) for the pretrained VGG-19,
synthetic 32x32 content and style images (a shape and stripes), 40 closure calls instead of 300,
no image display."""

import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.set_num_threads(1)
torch.manual_seed(0)
parser = argparse.ArgumentParser()
parser.add_argument("--num-steps", type=int, default=40)
parser.add_argument("--bug", default="", choices=["", "no-zero-grad"])
args = parser.parse_args()
device = torch.device("cpu")

yy, xx = torch.meshgrid(torch.arange(32.), torch.arange(32.), indexing="ij")
content_img = torch.stack([((xx - 16) ** 2 + (yy - 16) ** 2 < 80).float()] * 3).unsqueeze(0) * 0.8 + 0.1
style_img = torch.stack([(torch.sin(xx / 2) + 1) / 2, (torch.sin(yy / 3) + 1) / 2, (torch.sin((xx + yy) / 4) + 1) / 2]).unsqueeze(0)


class ContentLoss(nn.Module):
    def __init__(self, target):
        super().__init__()
        # we 'detach' the target content from the tree used to dynamically compute the gradient
        self.target = target.detach()

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super().__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        G = gram_matrix(input)
        self.loss = F.mse_loss(G, self.target)
        return input


# stands for models.vgg19(pretrained=True).features: conv/relu/pool, frozen in eval()
cnn = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(inplace=True),
    nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(32, 32, 3, padding=1),
    nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(inplace=True),
).to(device).eval()
cnn_normalization_mean = torch.tensor([0.485, 0.456, 0.406]).to(device)
cnn_normalization_std = torch.tensor([0.229, 0.224, 0.225]).to(device)


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def forward(self, img):
        return (img - self.mean) / self.std


content_layers_default = ['conv_4']
style_layers_default = ['conv_1', 'conv_2', 'conv_3', 'conv_4', 'conv_5']


def get_style_model_and_losses(cnn, normalization_mean, normalization_std, style_img, content_img,
                               content_layers=content_layers_default, style_layers=style_layers_default):
    cnn = copy.deepcopy(cnn)
    normalization = Normalization(normalization_mean, normalization_std).to(device)
    content_losses = []
    style_losses = []
    model = nn.Sequential(normalization)
    i = 0  # increment every time we see a conv
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = f'conv_{i}'
        elif isinstance(layer, nn.ReLU):
            name = f'relu_{i}'
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = f'pool_{i}'
        elif isinstance(layer, nn.BatchNorm2d):
            name = f'bn_{i}'
        else:
            raise RuntimeError(f'Unrecognized layer: {layer.__class__.__name__}')
        model.add_module(name, layer)
        if name in content_layers:
            target = model(content_img).detach()
            content_loss = ContentLoss(target)
            model.add_module(f"content_loss_{i}", content_loss)
            content_losses.append(content_loss)
        if name in style_layers:
            target_feature = model(style_img).detach()
            style_loss = StyleLoss(target_feature)
            model.add_module(f"style_loss_{i}", style_loss)
            style_losses.append(style_loss)
    for i in range(len(model) - 1, -1, -1):
        if isinstance(model[i], ContentLoss) or isinstance(model[i], StyleLoss):
            break
    model = model[:(i + 1)]
    return model, style_losses, content_losses


def get_input_optimizer(input_img):
    optimizer = optim.LBFGS([input_img.requires_grad_()])
    return optimizer


def run_style_transfer(cnn, normalization_mean, normalization_std, content_img, style_img, input_img, num_steps=300,
                       style_weight=1000000, content_weight=1):
    print('Building the style transfer model..')
    model, style_losses, content_losses = get_style_model_and_losses(cnn, normalization_mean, normalization_std,
                                                                     style_img, content_img)
    optimizer = get_input_optimizer(input_img)
    print('Optimizing..')
    run = [0]
    while run[0] <= num_steps:

        def closure():
            input_img.data.clamp_(0, 1)
            if args.bug != "no-zero-grad":
                optimizer.zero_grad()
            model(input_img)
            style_score = 0
            content_score = 0
            for sl in style_losses:
                style_score += sl.loss
            for cl in content_losses:
                content_score += cl.loss
            style_score *= style_weight
            content_score *= content_weight
            loss = style_score + content_score
            loss.backward()
            run[0] += 1
            if run[0] % 10 == 0:
                print(f"run [{run[0]}]: Style Loss : {style_score.item():4f} Content Loss: {content_score.item():4f}")
            return style_score + content_score

        optimizer.step(closure)
    input_img.data.clamp_(0, 1)
    return input_img


input_img = content_img.clone()
output = run_style_transfer(cnn, cnn_normalization_mean, cnn_normalization_std, content_img, style_img, input_img,
                            num_steps=args.num_steps)
print("output range", float(output.min()), float(output.max()))
