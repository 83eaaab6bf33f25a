"""A small Hugging Face Trainer script with no torchvitals in it: a 2-layer BERT built from a
config (no download) classifying synthetic token sequences. `--fault` seeds one fault:
  unused-module   a module added to the model and never used in forward (dead parameters)
  partial-opt     the optimizer handed to the Trainer holds only the classifier head
  lr-zero         learning_rate=0: nothing moves
Extra TrainingArguments as NAME=VALUE (gradient_accumulation_steps=2, max_grad_norm=0.01, bf16=1).
`--datasets`: the data as Hugging Face `datasets.Dataset`s (with a text column the model does not
take), evaluated on a second one every epoch; `--eval-log PATH` writes the Trainer's eval losses
there as JSON. `build(...)` is what tests import to add their own callbacks."""

from __future__ import annotations

import argparse
import ast
import json
import tempfile

import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

FAULTS = ("unused-module", "partial-opt", "lr-zero")


class Tokens(torch.utils.data.Dataset):
    """Label 0 sequences use tokens 0-49, label 1 tokens 50-99: learnable in a few steps."""

    def __init__(self, n: int = 64, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.y = torch.randint(0, 2, (n,), generator=g)
        self.x = torch.randint(0, 50, (n, 16), generator=g) + 50 * self.y[:, None]

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.x[i], "labels": self.y[i]}


def build(fault: str | None = None, callbacks: list | None = None, eval_dataset: Tokens | None = None,
          **overrides) -> Trainer:
    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=32)
    model = BertForSequenceClassification(config)
    optimizers = (None, None)
    if fault == "unused-module":
        model.adapter = torch.nn.Linear(32, 32)  # registered, optimized, never called
    elif fault == "partial-opt":
        optimizers = (torch.optim.AdamW(model.classifier.parameters(), lr=1e-3), None)
    args = dict(output_dir=tempfile.mkdtemp(prefix="hf-trainer-"), use_cpu=True, report_to=[],
                save_strategy="no", max_steps=12, per_device_train_batch_size=8, logging_steps=1,
                learning_rate=0.0 if fault == "lr-zero" else 1e-3, disable_tqdm=True, seed=0)
    args.update(overrides)
    return Trainer(model=model, args=TrainingArguments(**args), train_dataset=Tokens(),
                   eval_dataset=eval_dataset, callbacks=callbacks, optimizers=optimizers)


def as_dataset(tokens: Tokens):  # noqa: ANN201 (datasets is imported only here)
    """The same data as a `datasets.Dataset`, as most Trainer scripts hold it."""
    import datasets

    return datasets.Dataset.from_dict(
        {"input_ids": tokens.x.tolist(), "labels": tokens.y.tolist(), "text": ["unused"] * len(tokens.y)}
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fault", choices=FAULTS)
    parser.add_argument("--datasets", action="store_true")
    parser.add_argument("--eval-log")
    parser.add_argument("args", nargs="*", help="TrainingArguments overrides, NAME=VALUE")
    opts = parser.parse_args()
    overrides = {k: ast.literal_eval(v) for k, v in (a.split("=", 1) for a in opts.args)}
    if opts.datasets:
        overrides.update(eval_dataset=as_dataset(Tokens(40, seed=1)), eval_strategy="epoch", per_device_eval_batch_size=16)
    trainer = build(opts.fault, **overrides)
    if opts.datasets:
        trainer.train_dataset = as_dataset(Tokens())
    trainer.train()
    if opts.eval_log:
        with open(opts.eval_log, "w") as f:
            json.dump([e["eval_loss"] for e in trainer.state.log_history if "eval_loss" in e], f)


if __name__ == "__main__":
    main()
