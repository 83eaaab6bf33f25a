"""MLflow: scalars as metrics at their iteration, findings and the diagnosis as text artifacts.

Into the MLflow run the script already has (`mlflow.active_run()`), or a run of its own in
experiment `$MLFLOW_EXPERIMENT_NAME` or "torchvitals", named after the run directory, at
MLflow's tracking URI (`$MLFLOW_TRACKING_URI`). `mlflow-skinny` is enough: it logs to a tracking
server, or to a local file store (`MLFLOW_TRACKING_URI=file:./mlruns` with
`MLFLOW_ALLOW_FILE_STORE=true` on MLflow 3)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from torchvitals.sinks.scalars import ScalarSink


class MlflowSink(ScalarSink):
    text_slots = True  # an artifact file per tag, rewritten

    def __init__(self, run_dir: str | os.PathLike[str] | None = None, out: str = "", run_id: str | None = None) -> None:
        super().__init__()
        import mlflow
        from mlflow.tracking import MlflowClient

        self.client = MlflowClient()
        self._own = False
        active = mlflow.active_run()
        if run_id is None and active is not None:
            run_id = active.info.run_id
        if run_id is None:
            name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or "torchvitals"
            exp = self.client.get_experiment_by_name(name)
            exp_id = exp.experiment_id if exp is not None else self.client.create_experiment(name)
            run_id = self.client.create_run(exp_id, run_name=Path(run_dir).name if run_dir else None).info.run_id
            self._own = True
        self.run_id = run_id
        # MLflow's asynchronous logging saves time against a tracking server, but against a local
        # file store its worker threads race to create a new metric's folder and a batch can be
        # lost ("[Errno 17] File exists", the batch's points missing): a local store is written
        # synchronously, a few small file appends per record.
        self._wait = _local_store(mlflow.get_tracking_uri())

    def write(self, scalars: dict[str, float], step: int) -> None:
        from mlflow.entities import Metric

        now = _millis()
        self.client.log_batch(self.run_id, metrics=[Metric(k, v, now, step) for k, v in scalars.items()], synchronous=self._wait)

    def text(self, tag: str, text: str, step: int) -> None:
        self.client.log_text(self.run_id, text, tag + ".txt")

    def finish(self) -> None:
        import mlflow

        try:
            mlflow.flush_async_logging()  # the metrics were logged without waiting for the store
        finally:
            if self._own:
                self.client.set_terminated(self.run_id)


def _local_store(uri: str) -> bool:
    """Whether MLflow's tracking URI is a folder on this machine (`file:...` or a plain path)."""
    return uri.startswith("file:") or ("://" not in uri and not uri.startswith(("databricks", "sqlite:", "postgresql", "mysql", "mssql")))


def _millis() -> int:
    return int(time.time() * 1000)
