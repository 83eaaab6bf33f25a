# expect: clean
import torch

state = torch.load(args.resume, map_location="cpu", weights_only=True)
cache = torch.load("cache/features.pt")
