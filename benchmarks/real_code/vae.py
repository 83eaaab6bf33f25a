# real: source=https://github.com/pytorch/examples/blob/main/vae/main.py
# real: args=
# real: bug=bce-with-logits-on-sigmoid expect=probabilities-as-logits
# real: bug=kld-sign-flipped expect=nonfinite-loss,loss-not-decreasing,exploding-gradient
"""pytorch/examples VAE: fc1 -> (fc21, fc22), reparameterize, fc3 -> fc4 -> sigmoid, loss =
binary_cross_entropy(reduction='sum') + KLD, Adam(lr=1e-3), train/test over DataLoaders with the
test loss summed, samples decoded under no_grad. Changed: synthetic 28x28 images in [0, 1]
(blurred prototypes) instead of MNIST, 512 training images, 8 epochs, no image files."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)

parser = argparse.ArgumentParser(description="VAE MNIST Example")
parser.add_argument("--batch-size", type=int, default=64, metavar="N",
                    help="input batch size for training (default: 64)")
parser.add_argument("--epochs", type=int, default=8, metavar="N",
                    help="number of epochs to train (default: 8)")
parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
parser.add_argument("--log-interval", type=int, default=4, metavar="N",
                    help="how many batches to wait before logging training status")
parser.add_argument("--bug", default="", choices=["", "bce-with-logits-on-sigmoid",
                                                  "kld-sign-flipped"])
args = parser.parse_args()

torch.manual_seed(args.seed)
device = torch.device("cpu")


def prototype_images(n, seed):
    g = torch.Generator().manual_seed(7)
    protos = (torch.rand(8, 1, 7, 7, generator=g) > 0.55).float()
    protos = F.interpolate(protos, size=(28, 28), mode="bilinear", align_corners=False)
    g = torch.Generator().manual_seed(seed)
    which = torch.randint(0, 8, (n,), generator=g)
    images = protos[which] * (0.8 + 0.2 * torch.rand(n, 1, 1, 1, generator=g))
    images = images + 0.05 * torch.rand(n, 1, 28, 28, generator=g)
    return TensorDataset(images.clamp(0, 1), which)


train_loader = DataLoader(prototype_images(512, 1), batch_size=args.batch_size, shuffle=True)
test_loader = DataLoader(prototype_images(256, 2), batch_size=args.batch_size, shuffle=False)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()

        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


model = VAE().to(device)
optimizer = optim.Adam(model.parameters(), lr=1e-3)


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    if args.bug == "bce-with-logits-on-sigmoid":  # "the numerically stable one"
        BCE = F.binary_cross_entropy_with_logits(recon_x, x.view(-1, 784), reduction="sum")
    else:
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")

    # see Appendix B from VAE paper: Kingma and Welling. Auto-Encoding Variational Bayes.
    # ICLR, 2014 https://arxiv.org/abs/1312.6114
    # 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    if args.bug == "kld-sign-flipped":
        KLD = -KLD

    return BCE + KLD


def train(epoch):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)} "
                  f"({100.0 * batch_idx / len(train_loader):.0f}%)]\t"
                  f"Loss: {loss.item() / len(data):.6f}")

    print(f"====> Epoch: {epoch} Average loss: {train_loss / len(train_loader.dataset):.4f}")


def test(epoch):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (data, _) in enumerate(test_loader):
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
            if i == 0:
                n = min(data.size(0), 8)
                comparison = torch.cat([data[:n], recon_batch.view(-1, 1, 28, 28)[:n]])
                assert comparison.shape[0] == 2 * n  # the original saves this as an image

    test_loss /= len(test_loader.dataset)
    print(f"====> Test set loss: {test_loss:.4f}")


if __name__ == "__main__":
    for epoch in range(1, args.epochs + 1):
        train(epoch)
        test(epoch)
        with torch.no_grad():
            sample = torch.randn(64, 20).to(device)
            sample = model.decode(sample).cpu()
