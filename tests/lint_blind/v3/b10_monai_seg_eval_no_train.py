# expect: TVL004
# style: MONAI spleen/3D segmentation tutorial (UNet, DiceLoss, val_interval, DiceMetric)
# bug: model.train() is called once before the epoch loop, but validation inside the loop calls model.eval() and training never switches back
import argparse
import torch
from monai.losses import DiceLoss
from monai.metrics import DiceMetric
from monai.networks.nets import UNet
from torch.utils.data import DataLoader, TensorDataset


def get_loaders(batch_size):
    imgs = torch.rand(40, 1, 64, 64, 64)
    segs = (torch.rand(40, 1, 64, 64, 64) > 0.7).float()
    train_ds = TensorDataset(imgs[:32], segs[:32])
    val_ds = TensorDataset(imgs[32:], segs[32:])
    return (DataLoader(train_ds, batch_size=batch_size, shuffle=True, num_workers=2),
            DataLoader(val_ds, batch_size=1, shuffle=False, num_workers=2))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_epochs", type=int, default=100)
    parser.add_argument("--val_interval", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=2)
    args = parser.parse_args()

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    train_loader, val_loader = get_loaders(args.batch_size)
    model = UNet(spatial_dims=3, in_channels=1, out_channels=1, channels=(16, 32, 64, 128),
                 strides=(2, 2, 2), num_res_units=2, norm="batch", dropout=0.1).to(device)
    loss_function = DiceLoss(sigmoid=True)
    optimizer = torch.optim.Adam(model.parameters(), 1e-4)
    dice_metric = DiceMetric(include_background=True, reduction="mean")

    best_metric, best_metric_epoch = -1, -1
    model.train()
    for epoch in range(args.max_epochs):
        print("-" * 10)
        print(f"epoch {epoch + 1}/{args.max_epochs}")
        epoch_loss, step = 0, 0
        for inputs, labels in train_loader:
            step += 1
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_function(outputs, labels)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        epoch_loss /= step
        print(f"epoch {epoch + 1} average loss: {epoch_loss:.4f}")

        if (epoch + 1) % args.val_interval == 0:
            model.eval()
            with torch.no_grad():
                for val_inputs, val_labels in val_loader:
                    val_outputs = model(val_inputs.to(device))
                    val_outputs = (torch.sigmoid(val_outputs) > 0.5).float()
                    dice_metric(y_pred=val_outputs, y=val_labels.to(device))
                metric = dice_metric.aggregate().item()
                dice_metric.reset()
                if metric > best_metric:
                    best_metric, best_metric_epoch = metric, epoch + 1
                    torch.save(model.state_dict(), "best_metric_model.pth")
                print(f"current mean dice: {metric:.4f} best: {best_metric:.4f} at epoch {best_metric_epoch}")


if __name__ == "__main__":
    main()
