"""torchvitals: says early and plainly when a PyTorch training run is silently broken.

    monitor = torchvitals.watch(model, optimizer)
    ...training loop unchanged...
    diagnosis = monitor.close()
"""

__version__ = "0.1.0"

from torchvitals.checks import check  # noqa: E402
from torchvitals.findings import Diagnosis, Finding  # noqa: E402
from torchvitals.monitor import Monitor, watch  # noqa: E402
from torchvitals.offline import diagnose  # noqa: E402

__all__ = ["Diagnosis", "Finding", "Monitor", "__version__", "check", "diagnose", "watch"]
