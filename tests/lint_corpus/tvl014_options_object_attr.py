# expect: TVL014
import argparse

import torch
import torch.nn as nn


def get_options():
    parser = argparse.ArgumentParser()
    parser.add_argument("--resume-path", default="")
    parser.add_argument("--steps", type=int, default=1000)
    return parser.parse_args()


class Runner:
    def __init__(self, opts):
        self.opts = opts
        self.net = nn.Linear(16, 4)
        self.optim = torch.optim.SGD(self.net.parameters(), lr=0.1)

    def resume(self):
        state = torch.load(self.opts.resume_path, map_location="cpu")
        self.net.load_state_dict(state["net"])
        self.optim.load_state_dict(state["optim"])


if __name__ == "__main__":
    runner = Runner(get_options())
    if runner.opts.resume_path:
        runner.resume()
