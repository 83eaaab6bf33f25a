"""Probes measure and never judge: removable hooks that yield numbers, kept on the device."""
