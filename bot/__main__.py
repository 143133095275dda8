"""`python -m bot` is the same CLI as the `landbot` console script."""

from bot.cli import main

raise SystemExit(main())
