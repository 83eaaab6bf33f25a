# expect: clean
import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.body(x if x.dim() == 2 else x.flatten(1))


def score_all(scorer, chunks):
    out = []
    with torch.inference_mode():
        for chunk in chunks:
            out.append(scorer(chunk))
    return torch.cat(out)


scorer = Scorer().to("cpu").eval()
print(score_all(scorer, torch.randn(10, 8, 32)).shape)
