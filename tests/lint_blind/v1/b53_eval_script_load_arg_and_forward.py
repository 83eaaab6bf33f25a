# expect: TVL014,TVL013
# style: standalone evaluate.py of a GitHub research repo (--checkpoint flag, load_model() + run_inference() helpers)
# bug: load_model() does torch.load(args.checkpoint) without weights_only=True; run_inference() calls model.forward(batch)
import argparse
import json

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class PointNetCls(nn.Module):
    def __init__(self, k=40):
        super().__init__()
        self.feat = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 256, 1), nn.BatchNorm1d(256), nn.ReLU())
        self.cls = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, k))

    def forward(self, pts):
        return self.cls(self.feat(pts).max(dim=2).values)


def load_model(ckpt_path, num_classes):
    model = PointNetCls(num_classes)
    ckpt = torch.load(ckpt_path, map_location="cpu")
    model.load_state_dict(ckpt["model_state_dict"])
    return model


@torch.no_grad()
def run_inference(model, loader):
    model.eval()
    correct, seen, per_class = 0, 0, {}
    for points, target in loader:
        logits = model.forward(points)
        pred = logits.argmax(dim=1)
        correct += (pred == target).sum().item()
        seen += target.numel()
        for t, p in zip(target.tolist(), pred.tolist()):
            hit, cnt = per_class.get(t, (0, 0))
            per_class[t] = (hit + int(t == p), cnt + 1)
    return correct / seen, {c: h / n for c, (h, n) in per_class.items()}


def main():
    parser = argparse.ArgumentParser("PointNet evaluation")
    parser.add_argument("--checkpoint", type=str, required=True)
    parser.add_argument("--num_classes", type=int, default=40)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--out", type=str, default="eval_results.json")
    args = parser.parse_args()

    test_set = TensorDataset(torch.randn(640, 3, 1024), torch.randint(0, args.num_classes, (640,)))
    loader = DataLoader(test_set, batch_size=args.batch_size, shuffle=False)
    model = load_model(args.checkpoint, args.num_classes)
    oa, per_class = run_inference(model, loader)
    mean_acc = sum(per_class.values()) / len(per_class)
    print(f"Overall accuracy {oa:.4f}  mean class accuracy {mean_acc:.4f}")
    with open(args.out, "w") as f:
        json.dump({"oa": oa, "macc": mean_acc}, f, indent=2)


if __name__ == "__main__":
    main()
