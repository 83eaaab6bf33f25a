# expect: TVL014
from dataclasses import dataclass, field

import torch
from transformers import HfArgumentParser


@dataclass
class RunArgs:
    warm_start: str = field(default="")
    lr: float = 1e-4


def build(run_args):
    model = torch.nn.Linear(4, 4)
    if run_args.warm_start:
        model.load_state_dict(torch.load(run_args.warm_start))
    return model


if __name__ == "__main__":
    (run_args,) = HfArgumentParser(RunArgs).parse_args_into_dataclasses()
    build(run_args)
