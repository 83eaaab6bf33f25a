# real: source=https://github.com/pytorch/examples/tree/main/super_resolution (main.py, model.py)
# real: args=--upscale_factor 2
# real: bug=zero-grad-per-epoch expect=grads-not-cleared
# real: bug=lr-100x expect=lr-too-large,exploding-gradient,prediction-collapse,dead-parameters
"""pytorch/examples super_resolution (ESPCN): four convs with orthogonal init and PixelShuffle,
MSELoss, Adam(lr=0.01), average PSNR on a test loader, and torch.save(model, path) of the whole
module after every epoch. Changed: synthetic smooth 16x16 images (inputs by 2x average
pooling) instead of BSDS300, 16/16/8 channels instead of 64/64/32, five epochs."""

import argparse
import os
import tempfile
from math import log10

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)

# Training settings
parser = argparse.ArgumentParser(description="PyTorch Super Res Example")
parser.add_argument("--upscale_factor", type=int, required=True,
                    help="super resolution upscale factor")
parser.add_argument("--batchSize", type=int, default=16, help="training batch size")
parser.add_argument("--testBatchSize", type=int, default=10, help="testing batch size")
parser.add_argument("--nEpochs", type=int, default=5, help="number of epochs to train for")
parser.add_argument("--lr", type=float, default=0.01, help="Learning Rate. Default=0.01")
parser.add_argument("--seed", type=int, default=123, help="random seed to use. Default=123")
parser.add_argument("--bug", default="", choices=["", "zero-grad-per-epoch", "lr-100x"])
opt = parser.parse_args()

print(opt)

torch.manual_seed(opt.seed)
device = torch.device("cpu")


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv4.weight)


def synthetic_set(n, crop, upscale_factor, seed):
    """Smooth random luminance fields in [0, 1] (target) and their average-pooled versions
    (input), as data.py's CenterCrop + Resize pipeline gives (input, target) pairs."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 1, 4, 4, generator=g)
    target = F.interpolate(coarse, size=(crop, crop), mode="bicubic", align_corners=False)
    target = (target + 0.05 * torch.randn(n, 1, crop, crop, generator=g)).clamp(0, 1)
    inp = F.avg_pool2d(target, upscale_factor)
    return TensorDataset(inp, target)


print("===> Loading datasets")
train_set = synthetic_set(256, 16, opt.upscale_factor, seed=1)
test_set = synthetic_set(40, 16, opt.upscale_factor, seed=2)
training_data_loader = DataLoader(dataset=train_set, batch_size=opt.batchSize, shuffle=True)
testing_data_loader = DataLoader(dataset=test_set, batch_size=opt.testBatchSize, shuffle=False)

print("===> Building model")
model = Net(upscale_factor=opt.upscale_factor).to(device)
criterion = nn.MSELoss()

optimizer = optim.Adam(model.parameters(), lr=opt.lr * (100 if opt.bug == "lr-100x" else 1))
checkpoint_dir = tempfile.TemporaryDirectory()


def train(epoch):
    epoch_loss = 0
    if opt.bug == "zero-grad-per-epoch":
        optimizer.zero_grad()
    for iteration, batch in enumerate(training_data_loader, 1):
        input, target = batch[0].to(device), batch[1].to(device)

        if opt.bug != "zero-grad-per-epoch":
            optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()

        if iteration % 8 == 0:
            print(f"===> Epoch[{epoch}]({iteration}/{len(training_data_loader)}): "
                  f"Loss: {loss.item():.4f}")

    print(f"===> Epoch {epoch} Complete: Avg. Loss: {epoch_loss / len(training_data_loader):.4f}")


def test():
    avg_psnr = 0
    with torch.no_grad():
        for batch in testing_data_loader:
            input, target = batch[0].to(device), batch[1].to(device)

            prediction = model(input)
            mse = criterion(prediction, target)
            psnr = 10 * log10(1 / mse.item())
            avg_psnr += psnr
    print(f"===> Avg. PSNR: {avg_psnr / len(testing_data_loader):.4f} dB")


def checkpoint(epoch):
    model_out_path = os.path.join(checkpoint_dir.name, f"model_epoch_{epoch}.pth")
    torch.save(model, model_out_path)
    print(f"Checkpoint saved to {model_out_path}")


for epoch in range(1, opt.nEpochs + 1):
    train(epoch)
    test()
    checkpoint(epoch)
checkpoint_dir.cleanup()
