# real: source=https://github.com/cure-lab/LTSF-Linear (models/DLinear.py, exp/exp_main.py, utils/tools.py)
# real: args=
# real: bug=lradj-per-batch expect=lr-too-small,parameters-not-moving
# real: bug=individual-python-list expect=unoptimized-parameters
"""LTSF-Linear's DLinear: moving-average decomposition (AvgPool1d, ends padded), seasonal and trend
Linear layers (individual=False), MSELoss, Adam, vali() under eval/no_grad, EarlyStopping saving
state_dict, type1 lr halving via param_group['lr'], load_state_dict(torch.load()) at the end.
Changed: a synthetic 4-channel seasonal series with trend and noise instead of ETT/electricity."""

import argparse
import os
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
from torch import optim
from torch.utils.data import DataLoader, Dataset

torch.set_num_threads(1)


class moving_avg(nn.Module):
    """Moving average block to highlight the trend of time series"""

    def __init__(self, kernel_size, stride):
        super().__init__()
        self.kernel_size = kernel_size
        self.avg = nn.AvgPool1d(kernel_size=kernel_size, stride=stride, padding=0)

    def forward(self, x):
        # padding on the both ends of time series
        front = x[:, 0:1, :].repeat(1, (self.kernel_size - 1) // 2, 1)
        end = x[:, -1:, :].repeat(1, (self.kernel_size - 1) // 2, 1)
        x = torch.cat([front, x, end], dim=1)
        x = self.avg(x.permute(0, 2, 1))
        x = x.permute(0, 2, 1)
        return x


class series_decomp(nn.Module):
    """Series decomposition block"""

    def __init__(self, kernel_size):
        super().__init__()
        self.moving_avg = moving_avg(kernel_size, stride=1)

    def forward(self, x):
        moving_mean = self.moving_avg(x)
        res = x - moving_mean
        return res, moving_mean


class Model(nn.Module):
    """Decomposition-Linear"""

    def __init__(self, configs):
        super().__init__()
        self.seq_len = configs.seq_len
        self.pred_len = configs.pred_len

        # Decompsition Kernel Size
        kernel_size = 25
        self.decompsition = series_decomp(kernel_size)
        self.individual = configs.individual
        self.channels = configs.enc_in

        if self.individual:
            self.Linear_Seasonal = nn.ModuleList()
            if configs.bug == "individual-python-list":  # a plain list "works" in forward()
                self.Linear_Trend = []
            else:
                self.Linear_Trend = nn.ModuleList()
            for _ in range(self.channels):
                self.Linear_Seasonal.append(nn.Linear(self.seq_len, self.pred_len))
                self.Linear_Trend.append(nn.Linear(self.seq_len, self.pred_len))
        else:
            self.Linear_Seasonal = nn.Linear(self.seq_len, self.pred_len)
            self.Linear_Trend = nn.Linear(self.seq_len, self.pred_len)

    def forward(self, x):
        # x: [Batch, Input length, Channel]
        seasonal_init, trend_init = self.decompsition(x)
        seasonal_init, trend_init = seasonal_init.permute(0, 2, 1), trend_init.permute(0, 2, 1)
        if self.individual:
            seasonal_output = torch.zeros([seasonal_init.size(0), seasonal_init.size(1),
                                           self.pred_len], dtype=seasonal_init.dtype)
            trend_output = torch.zeros([trend_init.size(0), trend_init.size(1), self.pred_len],
                                       dtype=trend_init.dtype)
            for i in range(self.channels):
                seasonal_output[:, i, :] = self.Linear_Seasonal[i](seasonal_init[:, i, :])
                trend_output[:, i, :] = self.Linear_Trend[i](trend_init[:, i, :])
        else:
            seasonal_output = self.Linear_Seasonal(seasonal_init)
            trend_output = self.Linear_Trend(trend_init)

        x = seasonal_output + trend_output
        return x.permute(0, 2, 1)  # to [Batch, Output length, Channel]


class EarlyStopping:
    def __init__(self, patience=7, verbose=False, delta=0):
        self.patience = patience
        self.verbose = verbose
        self.counter = 0
        self.best_score = None
        self.early_stop = False
        self.val_loss_min = np.inf
        self.delta = delta

    def __call__(self, val_loss, model, path):
        score = -val_loss
        if self.best_score is None:
            self.best_score = score
            self.save_checkpoint(val_loss, model, path)
        elif score < self.best_score + self.delta:
            self.counter += 1
            print(f"EarlyStopping counter: {self.counter} out of {self.patience}")
            if self.counter >= self.patience:
                self.early_stop = True
        else:
            self.best_score = score
            self.save_checkpoint(val_loss, model, path)
            self.counter = 0

    def save_checkpoint(self, val_loss, model, path):
        if self.verbose:
            print(f"Validation loss decreased ({self.val_loss_min:.6f} --> {val_loss:.6f}).  "
                  "Saving model ...")
        torch.save(model.state_dict(), path + "/" + "checkpoint.pth")
        self.val_loss_min = val_loss


def adjust_learning_rate(optimizer, epoch, args):
    if args.lradj == "type1":
        lr_adjust = {epoch: args.learning_rate * (0.5 ** ((epoch - 1) // 1))}
    else:
        lr_adjust = {2: 5e-5, 4: 1e-5, 6: 5e-6, 8: 1e-6, 10: 5e-7, 15: 1e-7, 20: 5e-8}
    if epoch in lr_adjust.keys():
        lr = lr_adjust[epoch]
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr
        print(f"Updating learning rate to {lr}")


class Dataset_Synthetic(Dataset):
    """Sliding windows (seq_len in, pred_len out) over a standardised multi-channel series:
    daily and weekly seasonality with channel-specific phase, a slow trend and noise."""

    def __init__(self, flag, seq_len, pred_len, channels=4, length=1200):
        t = np.arange(length)[:, None]
        rng = np.random.RandomState(0)
        phase = rng.rand(1, channels) * 2 * np.pi
        data = (np.sin(2 * np.pi * t / 24 + phase) + 0.5 * np.sin(2 * np.pi * t / 168 + phase)
                + 0.002 * t * (1 + np.arange(channels)) / channels
                + 0.2 * rng.randn(length, channels))
        n_train, n_val = int(length * 0.6), int(length * 0.2)
        border1 = {"train": 0, "val": n_train - seq_len, "test": n_train + n_val - seq_len}[flag]
        border2 = {"train": n_train, "val": n_train + n_val, "test": length}[flag]
        mean, std = data[:n_train].mean(0), data[:n_train].std(0)
        self.data = ((data - mean) / std)[border1:border2].astype(np.float32)
        self.seq_len, self.pred_len = seq_len, pred_len

    def __len__(self):
        return len(self.data) - self.seq_len - self.pred_len + 1

    def __getitem__(self, index):
        s_end = index + self.seq_len
        return self.data[index:s_end], self.data[s_end:s_end + self.pred_len]


def vali(model, vali_loader, criterion):
    total_loss = []
    model.eval()
    with torch.no_grad():
        for batch_x, batch_y in vali_loader:
            batch_x = batch_x.float()
            batch_y = batch_y.float()
            outputs = model(batch_x)
            pred = outputs.detach().cpu()
            true = batch_y.detach().cpu()
            loss = criterion(pred, true)
            total_loss.append(loss)
    total_loss = np.average(total_loss)
    model.train()
    return total_loss


def main():
    parser = argparse.ArgumentParser(description="DLinear for Time Series Forecasting")
    parser.add_argument("--seq_len", type=int, default=96)
    parser.add_argument("--pred_len", type=int, default=24)
    parser.add_argument("--enc_in", type=int, default=4)
    parser.add_argument("--individual", action="store_true", default=False)
    parser.add_argument("--train_epochs", type=int, default=6)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--learning_rate", type=float, default=0.005)
    parser.add_argument("--lradj", type=str, default="type1")
    parser.add_argument("--checkpoints", type=str, default="")
    parser.add_argument("--bug", default="", choices=["", "lradj-per-batch",
                                                      "individual-python-list"])
    args = parser.parse_args()
    if args.bug == "individual-python-list":
        args.individual = True

    torch.manual_seed(2021)
    np.random.seed(2021)
    tmp = None
    if not args.checkpoints:
        tmp = tempfile.TemporaryDirectory()
        args.checkpoints = tmp.name

    train_loader = DataLoader(Dataset_Synthetic("train", args.seq_len, args.pred_len),
                              batch_size=args.batch_size, shuffle=True, drop_last=True)
    vali_loader = DataLoader(Dataset_Synthetic("val", args.seq_len, args.pred_len),
                             batch_size=args.batch_size, shuffle=False, drop_last=True)
    test_loader = DataLoader(Dataset_Synthetic("test", args.seq_len, args.pred_len),
                             batch_size=args.batch_size, shuffle=False, drop_last=False)

    model = Model(args).float()
    path = os.path.join(args.checkpoints, "DLinear_synthetic")
    os.makedirs(path, exist_ok=True)

    time_now = time.time()
    train_steps = len(train_loader)
    early_stopping = EarlyStopping(patience=args.patience, verbose=True)
    model_optim = optim.Adam(model.parameters(), lr=args.learning_rate)
    criterion = nn.MSELoss()

    for epoch in range(args.train_epochs):
        iter_count = 0
        train_loss = []

        model.train()
        epoch_time = time.time()
        for i, (batch_x, batch_y) in enumerate(train_loader):
            iter_count += 1
            model_optim.zero_grad()
            batch_x = batch_x.float()
            batch_y = batch_y.float()

            outputs = model(batch_x)
            outputs = outputs[:, -args.pred_len:, 0:]
            batch_y = batch_y[:, -args.pred_len:, 0:]
            loss = criterion(outputs, batch_y)
            train_loss.append(loss.item())

            if (i + 1) % 10 == 0:
                print(f"\titers: {i + 1}, epoch: {epoch + 1} | loss: {loss.item():.7f}")
                speed = (time.time() - time_now) / iter_count
                left_time = speed * ((args.train_epochs - epoch) * train_steps - i)
                print(f"\tspeed: {speed:.4f}s/iter; left time: {left_time:.4f}s")
                iter_count = 0
                time_now = time.time()

            loss.backward()
            model_optim.step()
            if args.bug == "lradj-per-batch":  # the schedule keyed on the iteration count
                adjust_learning_rate(model_optim, epoch * train_steps + i + 1, args)

        print(f"Epoch: {epoch + 1} cost time: {time.time() - epoch_time}")
        train_loss = np.average(train_loss)
        vali_loss = vali(model, vali_loader, criterion)
        test_loss = vali(model, test_loader, criterion)

        print(f"Epoch: {epoch + 1}, Steps: {train_steps} | Train Loss: {train_loss:.7f} "
              f"Vali Loss: {vali_loss:.7f} Test Loss: {test_loss:.7f}")
        early_stopping(vali_loss, model, path)
        if early_stopping.early_stop:
            print("Early stopping")
            break

        if args.bug != "lradj-per-batch":
            adjust_learning_rate(model_optim, epoch + 1, args)

    best_model_path = path + "/" + "checkpoint.pth"
    model.load_state_dict(torch.load(best_model_path))

    # test
    preds, trues = [], []
    model.eval()
    with torch.no_grad():
        for batch_x, batch_y in test_loader:
            outputs = model(batch_x.float())
            preds.append(outputs.detach().cpu().numpy())
            trues.append(batch_y.detach().cpu().numpy())
    preds, trues = np.concatenate(preds, axis=0), np.concatenate(trues, axis=0)
    mae, mse = np.mean(np.abs(preds - trues)), np.mean((preds - trues) ** 2)
    print(f"mse:{mse}, mae:{mae}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
