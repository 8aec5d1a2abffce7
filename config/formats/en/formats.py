"""English as read in our shops (Kazakhstan, Russia): short dates day first, `30.11.2026`; numbers `8,952.30`.

Only what differs from Django's `en` formats; the rest falls through to them.
"""

SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
