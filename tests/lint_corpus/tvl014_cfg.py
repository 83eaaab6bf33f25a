# expect: TVL014
import torch


def main(cfg):
    if cfg.checkpoint:
        model.load_state_dict(torch.load(cfg.checkpoint))
