# expect: TVL008
# style: MONAI 2D classification tutorial (DenseNet121 from monai.networks.nets, multi-label chest x-ray, AUC metric)
# bug: outputs are passed through torch.sigmoid and then into BCEWithLogitsLoss, which applies a second sigmoid
import argparse
import numpy as np
import torch
from monai.networks.nets import DenseNet121
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--num_labels", type=int, default=14)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-5)
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.rand(400, 1, 64, 64)
    y = (torch.rand(400, args.num_labels) > 0.8).float()
    train_loader = DataLoader(TensorDataset(x[:320], y[:320]), batch_size=args.batch_size, shuffle=True, num_workers=2)
    val_loader = DataLoader(TensorDataset(x[320:], y[320:]), batch_size=args.batch_size, shuffle=False, num_workers=2)

    model = DenseNet121(spatial_dims=2, in_channels=1, out_channels=args.num_labels).to(device)
    loss_function = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), args.lr)

    for epoch in range(args.epochs):
        model.train()
        epoch_loss = 0.0
        for step, (inputs, labels) in enumerate(train_loader, 1):
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            probs = torch.sigmoid(model(inputs))
            loss = loss_function(probs, labels)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        print(f"epoch {epoch + 1} average loss: {epoch_loss / step:.4f}")

        model.eval()
        y_pred, y_true = [], []
        with torch.no_grad():
            for val_images, val_labels in val_loader:
                y_pred.append(torch.sigmoid(model(val_images.to(device))).cpu())
                y_true.append(val_labels)
        y_pred = torch.cat(y_pred).numpy()
        y_true = torch.cat(y_true).numpy()
        aucs = [roc_auc_score(y_true[:, i], y_pred[:, i]) for i in range(args.num_labels) if y_true[:, i].any()]
        print(f"epoch {epoch + 1} mean AUC: {np.mean(aucs):.4f}")


if __name__ == "__main__":
    main()
