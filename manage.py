#!/usr/bin/env python
import os
import sys

# Commands that read only the code (no site, no secrets): on a fresh checkout, with no settings
# chosen and no SECRET_KEY, they run on the test settings instead of refusing to start.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "help"}


def main() -> None:
    # The site's settings; `DJANGO_SETTINGS_MODULE=config.settings.test` (what `make lint` and
    # `make messages` use) for the test settings. DJANGO_TESTING=1 is kept as a shorthand for it.
    default = "config.settings.test" if os.environ.get("DJANGO_TESTING") == "1" else "config.settings.main"
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if (
        command in CODE_ONLY_COMMANDS
        and not os.environ.get("SECRET_KEY")
        and not os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env"))
    ):
        default = "config.settings.test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
