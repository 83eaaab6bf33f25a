"""`torchvitals lint`: find silent training bugs in source code, without running it.

Reads `.py` files and notebooks with the `ast` module (never imports or runs them), gathers
light data flow in one walk per file, and runs every TVL rule over it.
"""

from torchvitals.lint.files import collect, lint_file, lint_paths, lint_source

__all__ = ["collect", "lint_file", "lint_paths", "lint_source"]
