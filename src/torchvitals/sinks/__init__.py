"""Sinks tell: console, run files. A sink formats; it never computes."""
