# real: source=https://github.com/pytorch/examples/blob/main/mnist_forward_forward/main.py
# real: args=
# real: bug=no-zero-grad expect=grads-not-cleared
# real: bug=step-under-log expect=skipped-steps
"""Hinton's Forward-Forward algorithm as pytorch/examples writes it: no backward pass through the
network. Each layer (an nn.Linear subclass) owns its Adam and is trained on its own local loss
(goodness of positive samples above a threshold, of negative ones below) for `epochs` full-batch
iterations, one layer after the other, on the previous layer's detached outputs. The Net keeps
its layers in a plain Python list (it has no parameters of its own) and both Net and Layer
override nn.Module.train() with a training function of their own. Prediction overlays each label
on the input and picks the one with the most goodness.
Changed: a synthetic 10-class dataset (class prototypes plus noise, 784 features) instead of
MNIST; a smaller training set and fewer epochs per layer; --bug injects a fault."""

import argparse

import torch
import torch.nn as nn
from torch.optim import Adam
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)


def get_y_neg(y):
    y_neg = y.clone()
    for idx, y_samp in enumerate(y):
        allowed_indices = list(range(10))
        allowed_indices.remove(y_samp.item())
        y_neg[idx] = torch.tensor(allowed_indices)[
            torch.randint(len(allowed_indices), size=(1,))
        ].item()
    return y_neg.to(device)


def overlay_y_on_x(x, y, classes=10):
    x_ = x.clone()
    x_[:, :classes] *= 0.0
    x_[range(x.shape[0]), y] = x.max()
    return x_


class Net(torch.nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = []
        for d in range(len(dims) - 1):
            self.layers = self.layers + [Layer(dims[d], dims[d + 1]).to(device)]

    def predict(self, x):
        goodness_per_label = []
        for label in range(10):
            h = overlay_y_on_x(x, label)
            goodness = []
            for layer in self.layers:
                h = layer(h)
                goodness = goodness + [h.pow(2).mean(1)]
            goodness_per_label += [sum(goodness).unsqueeze(1)]
        goodness_per_label = torch.cat(goodness_per_label, 1)
        return goodness_per_label.argmax(1)

    def train(self, x_pos, x_neg):
        h_pos, h_neg = x_pos, x_neg
        for i, layer in enumerate(self.layers):
            print("training layer: ", i)
            h_pos, h_neg = layer.train(h_pos, h_neg)


class Layer(nn.Linear):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__(in_features, out_features, bias, device, dtype)
        self.relu = torch.nn.ReLU()
        self.opt = Adam(self.parameters(), lr=args.lr)
        self.threshold = args.threshold
        self.num_epochs = args.epochs

    def forward(self, x):
        x_direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
        return self.relu(torch.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0))

    def train(self, x_pos, x_neg):
        for i in range(self.num_epochs):
            g_pos = self.forward(x_pos).pow(2).mean(1)
            g_neg = self.forward(x_neg).pow(2).mean(1)
            loss = torch.log1p(
                torch.exp(
                    torch.cat([-g_pos + self.threshold, g_neg - self.threshold])
                )
            ).mean()
            if args.bug != "no-zero-grad":
                self.opt.zero_grad()
            loss.backward()
            if args.bug != "step-under-log":
                self.opt.step()
            if i % args.log_interval == 0:
                if args.bug == "step-under-log":  # the step indented one level too far
                    self.opt.step()
                print("Loss: ", loss.item())
        return self.forward(x_pos).detach(), self.forward(x_neg).detach()


def synthetic(n, seed):
    """Ten class prototypes in 784 features (a fixed generator) plus per-sample noise."""
    protos = torch.randn(10, 784, generator=torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = protos[y] + 1.5 * torch.randn(n, 784, generator=g)
    return TensorDataset((x - x.mean()) / x.std(), y)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=150, metavar="N",
                        help="number of epochs to train each layer (default: 150)")
    parser.add_argument("--lr", type=float, default=0.03, metavar="LR", help="learning rate (default: 0.03)")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
    parser.add_argument("--train_size", type=int, default=500, help="size of training set")
    parser.add_argument("--threshold", type=float, default=2, help="threshold for training")
    parser.add_argument("--test_size", type=int, default=500, help="size of test set")
    parser.add_argument("--log-interval", type=int, default=10, metavar="N",
                        help="how many batches to wait before logging training status")
    parser.add_argument("--bug", default="", choices=["", "no-zero-grad", "step-under-log"])
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = torch.device("cpu")

    train_loader = DataLoader(synthetic(args.train_size, 1), batch_size=args.train_size, shuffle=True)
    test_loader = DataLoader(synthetic(args.test_size, 2), batch_size=args.test_size)
    net = Net([784, 500, 500])
    x, y = next(iter(train_loader))
    x, y = x.to(device), y.to(device)
    x_pos = overlay_y_on_x(x, y)
    y_neg = get_y_neg(y)
    x_neg = overlay_y_on_x(x, y_neg)
    net.train(x_pos, x_neg)
    print("train error:", 1.0 - net.predict(x).eq(y).float().mean().item())
    x_te, y_te = next(iter(test_loader))
    x_te, y_te = x_te.to(device), y_te.to(device)
    print("test error:", 1.0 - net.predict(x_te).eq(y_te).float().mean().item())
