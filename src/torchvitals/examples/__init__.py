"""Plain PyTorch training scripts that ship with torchvitals (no torchvitals import)."""
