# expect: clean
# A checkpoint is loaded as for inference (put in eval mode) and then fine-tuned; each
# epoch switches it back to training mode first.
import torch
import torch.nn as nn


def make_net():
    return nn.Sequential(nn.Conv1d(2, 16, 5), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2),
                         nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(16, 5))


def finetune(checkpoint, signals, labels, epochs=4):
    net = make_net()
    net.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=True))
    net.eval()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-5)
    for _ in range(epochs):
        net.train()
        for xb, yb in zip(signals.split(32), labels.split(32)):
            loss = nn.functional.cross_entropy(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net
