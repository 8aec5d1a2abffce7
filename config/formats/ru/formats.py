"""Russian formats where Django's differ from how Russian is written (the rest come from Django's own)."""

# "2 декабря", not "2 Декабрь": a day and a month take the month in the genitive, in lower case.
MONTH_DAY_FORMAT = "j E"
