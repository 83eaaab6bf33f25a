# expect: TVL014
import argparse

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--resume")
args = parser.parse_args()
state = torch.load(args.resume, map_location="cpu")
model.load_state_dict(state)
