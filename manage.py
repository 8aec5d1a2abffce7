#!/usr/bin/env python
import os
import sys


def main() -> None:
    # The site's settings; `DJANGO_SETTINGS_MODULE=config.settings.test` (what `make lint` and
    # `make messages` use) for the test settings. DJANGO_TESTING=1 is kept as a shorthand for it.
    default = "config.settings.test" if os.environ.get("DJANGO_TESTING") == "1" else "config.settings.main"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
