"""A plain training script for the overhead benchmark (no torchvitals import): trains one of
the benchmark models and writes the mean seconds per timed step to --result.

    python benchmarks/plain_train.py --model transformer --steps 200 --result /tmp/t.json
    torchvitals run benchmarks/plain_train.py --model transformer --steps 200 --result /tmp/t.json
"""

import argparse
import json

from bench_models import build, train

ap = argparse.ArgumentParser()
ap.add_argument("--model", default="transformer")
ap.add_argument("--steps", type=int, default=200)
ap.add_argument("--warmup", type=int, default=20)
ap.add_argument("--device", default="cpu")
ap.add_argument("--result", required=True)
args = ap.parse_args()

model, optimizer, data, loss_fn = build(args.model, args.device)
step_s = train(model, optimizer, data, loss_fn, args.steps, args.warmup)
with open(args.result, "w") as f:
    json.dump({"step_s": step_s}, f)
