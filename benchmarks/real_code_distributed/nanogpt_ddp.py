# real: source=https://github.com/karpathy/nanoGPT/blob/master/train.py (its DDP path)
# real: args=--gradient_accumulation_steps 4 --max_iters 120
# real: bug=sync-on-first-micro-step expect=ranks-out-of-sync
"""nanoGPT's train.py launched by torchrun: the model, data and loop are the single-process
rewrite in benchmarks/real_code/nanogpt.py, which keeps the original's DDP path (a seed offset
per rank for get_batch's random windows, the accumulation steps divided among the ranks,
`model.require_backward_grad_sync` set on the last micro-step only, evaluation, logging and
checkpoints on the master process, `model.module` for the checkpoint). Run here so that the
distributed benchmark launches it with its own bugs:
Bug: sync-on-first-micro-step (the gradients all-reduced after the first micro-step; the
later ones stay local, so the ranks apply different updates).
Not a bug here, and not reported: the same seed on every rank. Only the master process
evaluates, drawing its evaluation batches from the same generator, so the ranks' training
batches coincide before the first evaluation only (one micro-batch of iteration 1)."""

import runpy
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "real_code" / "nanogpt.py"
sys.argv[0] = str(SCRIPT)
runpy.run_path(str(SCRIPT), run_name="__main__")
