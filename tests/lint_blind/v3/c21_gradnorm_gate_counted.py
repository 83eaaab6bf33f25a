# expect: clean
# style: large-model research trainer with a loss-spike guard (skip updates on non-finite / huge grad norm), metrics dict logged each interval
# note: the skip gate increments and logs a skipped_steps counter (and warns), so skipping is accounted for
import argparse
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("trainer")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--spike-threshold", type=float, default=100.0)
    ap.add_argument("--log-every", type=int, default=25)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = nn.Sequential(nn.Embedding(5000, 128), nn.Flatten(), nn.Linear(128 * 32, 256), nn.GELU(), nn.Linear(256, 5000))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    data = torch.randint(0, 5000, (4000, 33))
    loader = DataLoader(TensorDataset(data[:, :32], data[:, 32]), batch_size=32, shuffle=True)
    metrics = {"step": 0, "skipped_steps": 0, "loss_sum": 0.0}
    for epoch in range(args.epochs):
        model.train()
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), args.clip).item()
            if not math.isfinite(grad_norm) or grad_norm > args.spike_threshold:
                metrics["skipped_steps"] += 1
                log.warning("skipping update at step %d: grad_norm=%s", metrics["step"], grad_norm)
            else:
                optimizer.step()
            metrics["step"] += 1
            metrics["loss_sum"] += loss.item()
            if metrics["step"] % args.log_every == 0:
                log.info("epoch %d step %d loss %.4f skipped %d", epoch, metrics["step"],
                         metrics["loss_sum"] / args.log_every, metrics["skipped_steps"])
                metrics["loss_sum"] = 0.0
    log.info("done: %d of %d updates skipped", metrics["skipped_steps"], metrics["step"])


if __name__ == "__main__":
    main()
