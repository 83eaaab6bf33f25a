# expect: TVL014
import sys

import torch

ckpt_path = sys.argv[1]
ckpt = torch.load(ckpt_path, weights_only=False)
