"""The ``autograd-tiny`` command: options in ``cli.command``, the run in ``cli.run``."""

from .command import build_parser, main

__all__ = ["build_parser", "main"]
