"""What every field of the console lines means: `torchvitals explain lines` prints it, the
README carries the same table, and a test checks that every field a real run prints is here."""

from __future__ import annotations

# (line, field, meaning). `field` is written as it appears in the line.
LEGEND: list[tuple[str, str, str]] = [
    ("epoch", "E03", "the epoch number (an epoch ends at epoch_end(), or when `torchvitals run` sees the training DataLoader start a new pass; with two training loaders read side by side, after each evaluation pass)"),
    ("epoch", "OPTS[g:lr|cnts=[…]]", "the optimizer that stepped last in the epoch (with several, a GAN's generator and discriminator: the last one's; the GN, GD, UR and G/U that follow are its too): g parameter groups, lr the first group's learning rate, cnts the number of parameter tensors in each group"),
    ("epoch", "GN[bucket=norm,…,TOT=norm]", "gradient L2 norm per bucket (parameters grouped by module-name prefix, TORCHVITALS_DEPTH components), largest first; TOT is the global norm. From the latest sampled iteration of this epoch"),
    ("epoch", "GN[no sampled iteration this epoch…]", "no iteration of this epoch was sampled (the first TORCHVITALS_WARMUP and then every TORCHVITALS_EVERY-th are): no gradient statistics to show"),
    ("epoch", "GD[med,p90,max]", "the distribution of per-parameter-tensor gradient norms: median, 90th percentile, maximum"),
    ("epoch", "UR[med,max]", "estimated update ratio lr·‖g‖/‖w‖ per parameter tensor, median and maximum (about 1e-3 is healthy for SGD; Adam's true ratio is in [STEP]'s ΔW/W)"),
    ("epoch", "it=N", "the sampled iteration GN, GD, UR and G/U come from"),
    ("epoch", "lr=", "the first group's learning rate at the epoch's last optimizer step; n/a for a hand-written update"),
    ("epoch", "TR[…]", "training metrics of the epoch: what epoch_end(train=…) was given, plus those torchvitals computed from the observed batches (loss, rmse, mae, r2, skill, acc; a loss is the mean over the batches' samples). Under torchrun, in a data-parallel job (DDP, FSDP), those computed are the job's, every rank's batches together (what epoch_end was given stays the caller's). Under `torchvitals run` they come from one loss call of the script, the first one made (a loss on class labels made right after a loss on soft targets instead: a distillation's cross_entropy beside its kl_div); two calls on one line are two calls"),
    ("epoch", "VAL[…]", "the same for validation (batches observed with gradients off, or, under `torchvitals run`, with the models in eval() while a loader other than the training loader is read); losses given with reduction='sum' are shown per element, and only the first evaluation dataset is counted (a new DataLoader over it at each evaluation, as the Hugging Face Trainer makes, is the same dataset; a test set evaluated by the same code is not)"),
    ("epoch", "loss", "the mean loss over the observed batches' samples (each batch's loss weighs as many as it has rows; per element when the script sums it)"),
    ("epoch", "rmse, mae", "root mean squared error and mean absolute error of the predictions (regression)"),
    ("epoch", "r2", "coefficient of determination: 1 − SSE/(variance of the targets × n)"),
    ("epoch", "skill", "1 − RMSE / RMSE of always predicting the mean target: above 0 beats the mean predictor"),
    ("epoch", "skill_persist", "1 − RMSE / RMSE of the persistence baseline (watch(..., baseline=…))"),
    ("epoch", "acc", "accuracy (classification)"),
    ("epoch", "BASE_RMSE", "RMSE of always predicting the mean target (the mean predictor)"),
    ("epoch", "PERSIST_RMSE", "RMSE of the persistence baseline given to watch(baseline=…)"),
    ("epoch", "BASE_ACC", "accuracy of always predicting the most frequent class (not shown when every target is of one class, as a contrastive loss's are)"),
    ("epoch", "BASE_LOSS", "cross-entropy of predicting the class frequencies (what a model that ignores its input reaches)"),
    ("epoch", "T=…s,TP=…/s", "the epoch's wall time, and throughput: training samples (first dimension of the model's input, gradients on) per second; the forwards a step runs on one DataLoader batch (a GAN's generator called again, two views of the batch) count it once, chunks of it add up to it. The input is the model's first positional tensor; for a model called with keyword arguments (a Hugging Face model's `model(**batch)`) or with a dict, the one named `input_ids`, `pixel_values`, `input_values`, `input_features`, `inputs_embeds`, `input`, `inputs` or `x`, else the first tensor not named as a label or a mask. TP is left out when no such tensor reached the model. Under torchrun it is the job's, every rank's samples; marked /rank when it is rank 0's alone (the ranks train their own models, or the other ranks' epoch numbers did not come; TR and VAL are then rank 0's too) and /N ranks when it covers N of them"),
    ("epoch", "BATCH=BxRxA=N", "under torchrun: the effective batch, per-rank batch B (the model input's first dimension) × ranks R × gradient accumulation A (backward passes per optimizer step this epoch) = samples per optimizer step N"),
    ("epoch", "GPU=…GiB", "peak CUDA memory allocated so far (CUDA only)"),
    ("epoch", "G/U=name:g/u,…", "per parameter tensor, largest gradient first: short name, gradient norm g, estimated update ratio u = lr·g/‖w‖"),
    ("epoch", "KEY=value", "anything given as epoch_end(extra={…})"),
    ("[GRAD-MONITOR]", "it=N opt=k", "the sampled iteration and the optimizer (0 = the first one watched)"),
    ("[GRAD-MONITOR]", "GN[bucket=norm,…]", "gradient L2 norm per bucket, largest first"),
    ("[GRAD-MONITOR]", "TOT", "the global gradient norm (after any clipping: what the optimizer step applies; under torchrun combined across ranks)"),
    ("[GRAD-MONITOR]", "PRECLIP=norm/max", "when the script clips by norm (torch.nn.utils.clip_grad_norm_, or clip_grads_with_norm_ as Accelerate and the Hugging Face Trainer do): the total norm measured before clipping, and max_norm"),
    ("[GRAD-MONITOR]", "GD[med,p90,max]", "per-tensor gradient norms: median, 90th percentile, maximum"),
    ("[GRAD-MONITOR]", "bucket: norm … < …", "a bucket whose gradient norm is below TORCHVITALS_WARN_NORM at this iteration (one sample; the finding needs 3 in a row)"),
    ("[STEP]", "steps, backward", "optimizer steps taken and backward passes seen so far"),
    ("[STEP]", "skipped", "iterations whose gradients zero_grad() threw away with no optimizer step in between"),
    ("[STEP]", "uncleared", "steps that used gradients summed onto those the previous step had already applied"),
    ("[STEP]", "lr=", "the learning rate of each parameter group at this step"),
    ("[STEP]", "ΔW", "the L2 norm of the change of all measured parameters across this step"),
    ("[STEP]", "ΔW/W[med,max]", "the true update ratio ‖Δw‖/‖w‖ over weight matrices, median and maximum (about 1e-3 is healthy; n/a while every weight matrix is still zero, as a table initialised at zero is before its first step)"),
    ("[ENCODER-GRAD]", "module=norm", "L2 norm of the gradient at the output of each probed module (probe=[…]), in forward order"),
    ("[TORCHVITALS]", "SEVERITY CODE name at iteration N: …", "a finding, printed the moment its evidence exists; the final diagnosis repeats it (and says so when it changed)"),
    ("diagnosis", "no findings — the run looks healthy (N iteration(s), K sampled)", "something was judged, the script ran to its end, and no rule found a problem"),
    ("diagnosis", "no problem in the … watched before the script stopped", "the script raised (or exited non-zero) first: only what came before was judged"),
    ("diagnosis", "nothing was judged — why", "no sampled iteration with gradients was seen (no optimizer, no parameters, no backward pass, a crash before the first step)"),
    ("diagnosis", "not judged (no evidence yet): names", "rules that lacked the evidence they need (findings.json says why for each)"),
    ("diagnosis", "withdrawn: …", "a finding printed live that the whole run's evidence does not confirm"),
]


def render() -> str:
    """The legend as plain text, one block per line kind: each field, its meaning below it."""
    out: list[str] = []
    kind = None
    for line, field, meaning in LEGEND:
        if line != kind:
            kind = line
            out.append(("" if not out else "\n") + (f"{line} line" if line != "diagnosis" else "the final diagnosis"))
        out.append(f"  {field}\n      {meaning}")
    return "\n".join(out)


def lookup(token: str) -> list[tuple[str, str, str]]:
    """Legend rows for a field name as typed (`GD`, `G/U`, `TP`, `ΔW/W`, `cnts`)."""
    t = token.strip()
    if not t:
        return []
    return [row for row in LEGEND if row[1] == t or row[1].startswith(t + "[") or row[1].startswith(t + "=")
            or f"{t}=" in row[1] or f"{t}[" in row[1] or t in row[1].replace(",", " ").split()]


def markdown() -> str:
    """The legend as the README's table."""
    rows = ["| line | field | meaning |", "|---|---|---|"]
    for line, field, meaning in LEGEND:
        cell = field.replace("|", "\\|")
        rows.append(f"| {line} | `{cell}` | {meaning} |")
    return "\n".join(rows)
