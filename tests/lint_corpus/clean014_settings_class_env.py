# expect: clean
# Job settings live on a class whose attributes read environment variables through a small
# helper; the settings object is handed down to the function that restores the checkpoint.
import os

import torch
import torch.nn as nn


def from_env(key, fallback):
    raw = os.getenv(key)
    return raw if raw is not None else fallback


class JobConfig:
    warm_start = from_env("WARM_START_PATH", "")
    steps = 100


def restore(net, ckpt_file):
    if ckpt_file:
        net.load_state_dict(torch.load(ckpt_file, map_location="cpu", weights_only=True))
    return net


def prepare(job):
    net = nn.Linear(4, 2)
    return restore(net, job.warm_start)


def launch(job):
    net = prepare(job)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(job.steps):
        opt.zero_grad()
        net(torch.randn(2, 4)).sum().backward()
        opt.step()


launch(JobConfig())
