# real: source=https://github.com/pytorch/examples/blob/main/mnist/main.py
# real: args=
# real: bug=eval-left-on expect=training-in-eval-mode
# real: bug=softmax-then-nll expect=probabilities-as-logits
"""pytorch/examples MNIST: conv/conv/max-pool/dropout/fc/log_softmax Net, F.nll_loss, Adadelta,
StepLR(step_size=1, gamma=0.7) per epoch, train()/test() over DataLoaders, test loss with
reduction='sum', torch.save(model.state_dict()). Changed: synthetic 28x28 ten-class stroke
patterns instead of the download, 8/16 conv channels, a 64-unit fc1, fewer samples and epochs."""

import argparse
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)


class Net(nn.Module):
    def __init__(self, softmax_output=False):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(2304, 64)
        self.fc2 = nn.Linear(64, 10)
        self.softmax_output = softmax_output

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        if self.softmax_output:  # "nll_loss wants probabilities"
            return F.softmax(x, dim=1)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    if args.bug != "eval-left-on":
        model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)} "
                  f"({100.0 * batch_idx / len(train_loader):.0f}%)]\tLoss: {loss.item():.6f}")
            if args.dry_run:
                break


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print(f"\nTest set: Average loss: {test_loss:.4f}, Accuracy: {correct}/"
          f"{len(test_loader.dataset)} ({100.0 * correct / len(test_loader.dataset):.0f}%)\n")


def synthetic_digits(n, seed):
    """Ten classes, each a fixed random stroke pattern on a 28x28 canvas, shifted by up to two
    pixels and drawn with noise; normalised like transforms.Normalize((0.1307,), (0.3081,))."""
    g = torch.Generator().manual_seed(1234)
    templates = (torch.rand(10, 1, 7, 7, generator=g) > 0.6).float()
    templates = F.interpolate(templates, size=(20, 20), mode="bilinear", align_corners=False)
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (n,), generator=g)
    images = torch.zeros(n, 1, 28, 28)
    shifts = torch.randint(0, 5, (n, 2), generator=g)
    for i in range(n):
        r, c = shifts[i].tolist()
        images[i, :, r + 2:r + 22, c + 2:c + 22] = templates[labels[i]]
    images = (images + 0.3 * torch.rand(n, 1, 28, 28, generator=g)).clamp(0, 1)
    return TensorDataset((images - 0.1307) / 0.3081, labels)


def main():
    # Training settings
    parser = argparse.ArgumentParser(description="PyTorch MNIST Example")
    parser.add_argument("--batch-size", type=int, default=32, metavar="N",
                        help="input batch size for training (default: 32)")
    parser.add_argument("--test-batch-size", type=int, default=256, metavar="N",
                        help="input batch size for testing (default: 256)")
    parser.add_argument("--epochs", type=int, default=4, metavar="N",
                        help="number of epochs to train (default: 4)")
    parser.add_argument("--lr", type=float, default=1.0, metavar="LR",
                        help="learning rate (default: 1.0)")
    parser.add_argument("--gamma", type=float, default=0.7, metavar="M",
                        help="Learning rate step gamma (default: 0.7)")
    parser.add_argument("--dry-run", action="store_true", help="quickly check a single pass")
    parser.add_argument("--seed", type=int, default=1, metavar="S",
                        help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=10, metavar="N",
                        help="how many batches to wait before logging training status")
    parser.add_argument("--save-model", action="store_true", default=True,
                        help="For Saving the current Model")
    parser.add_argument("--bug", default="", choices=["", "eval-left-on", "softmax-then-nll"])
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device("cpu")

    train_kwargs = {"batch_size": args.batch_size, "shuffle": True}
    test_kwargs = {"batch_size": args.test_batch_size}

    dataset1 = synthetic_digits(512, seed=1)
    dataset2 = synthetic_digits(256, seed=2)
    train_loader = DataLoader(dataset1, **train_kwargs)
    test_loader = DataLoader(dataset2, **test_kwargs)

    model = Net(softmax_output=args.bug == "softmax-then-nll").to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()

    if args.save_model:
        with tempfile.TemporaryDirectory() as tmp:
            torch.save(model.state_dict(), os.path.join(tmp, "mnist_cnn.pt"))


if __name__ == "__main__":
    main()
