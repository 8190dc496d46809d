"""``python -m autograd_tiny``: the command line."""

from .cli import main

raise SystemExit(main())
