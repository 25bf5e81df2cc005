#!/usr/bin/env python
"""Django's command-line utility for tincoso."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# The Django project lives in site/tincoso; `site` itself is a standard-library module
# name, so site/ goes on the path and the package is imported as `tincoso`.
sys.path.insert(0, str(ROOT / "site"))
sys.path.insert(0, str(ROOT))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincoso.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
