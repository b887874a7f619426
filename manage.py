#!/usr/bin/env python
"""Django's command-line utility; the ``layak`` console script runs the same entry point."""

from config.manage import main

if __name__ == "__main__":
    main()
