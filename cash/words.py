"""An amount of money in words, as a cash order writes it: "одна тысяча двести тенге 50 тиын".

Pure functions, no database. Russian agrees the units with the number (одна тысяча, две
тысячи, пять тысяч; один рубль, два рубля, пять рублей); Kazakh and English do not decline.
The whole units are written in words, the minor units in two figures, as on the paper forms.
"""

from decimal import ROUND_HALF_UP, Decimal

# --- Russian ---------------------------------------------------------------------------------------

RU_UNITS_M = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
RU_UNITS_F = ["", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
RU_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
RU_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]
RU_HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"]
# (one, few, many) forms and whether the group's units are feminine, from the thousands up.
RU_SCALES = [
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
    (("триллион", "триллиона", "триллионов"), False),
]

# --- Kazakh ----------------------------------------------------------------------------------------

KK_UNITS = ["", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз"]
KK_TENS = ["", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан"]
KK_SCALES = ["мың", "миллион", "миллиард", "триллион"]

# --- English ---------------------------------------------------------------------------------------

EN_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
EN_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
EN_SCALES = ["thousand", "million", "billion", "trillion"]

# Currency names per language: (major forms, minor forms); Russian forms are (one, few, many).
CURRENCIES = {
    "KZT": {
        "ru": (("тенге", "тенге", "тенге"), ("тиын", "тиын", "тиын")),
        "kk": ("теңге", "тиын"),
        "en": ("tenge", "tiyn"),
    },
    "RUB": {
        "ru": (("рубль", "рубля", "рублей"), ("копейка", "копейки", "копеек")),
        "kk": ("рубль", "тиын"),
        "en": ("roubles", "kopecks"),
    },
}
MAX_AMOUNT = Decimal(10) ** 15  # below a quadrillion: what 18 digits with 2 places hold


def ru_plural(number: int, forms: tuple[str, str, str]) -> str:
    """The Russian form agreeing with `number`: 1, 21 -> one; 2-4, 22 -> few; 0, 5-20, 111 -> many."""
    n100, n10 = number % 100, number % 10
    if 11 <= n100 <= 14:
        return forms[2]
    if n10 == 1:
        return forms[0]
    if 2 <= n10 <= 4:
        return forms[1]
    return forms[2]


def _triads(number: int) -> list[int]:
    """Groups of three digits, lowest first: 1234567 -> [567, 234, 1]."""
    groups = []
    while number:
        groups.append(number % 1000)
        number //= 1000
    return groups


def _ru_triad(n: int, feminine: bool) -> list[str]:
    words = [RU_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(RU_TEENS[rest - 10])
    else:
        words.append(RU_TENS[rest // 10])
        words.append((RU_UNITS_F if feminine else RU_UNITS_M)[rest % 10])
    return [w for w in words if w]


def ru_number(number: int, *, feminine: bool = False) -> str:
    """A whole number in Russian words; `feminine` for the units group (одна, две)."""
    if number == 0:
        return "ноль"
    words: list[str] = []
    for index, triad in reversed(list(enumerate(_triads(number)))):
        if not triad:
            continue
        if index == 0:
            words += _ru_triad(triad, feminine)
        else:
            forms, scale_feminine = RU_SCALES[index - 1]
            words += _ru_triad(triad, scale_feminine)
            words.append(ru_plural(triad, forms))
    return " ".join(words)


def _kk_triad(n: int) -> list[str]:
    words = []
    if n // 100:
        words += [KK_UNITS[n // 100], "жүз"] if n // 100 > 1 else ["жүз"]
    words += [KK_TENS[(n % 100) // 10], KK_UNITS[n % 10]]
    return [w for w in words if w]


def kk_number(number: int) -> str:
    """A whole number in Kazakh words: 1200 -> "бір мың екі жүз" (a thousand and up names its "бір")."""
    if number == 0:
        return "нөл"
    words: list[str] = []
    for index, triad in reversed(list(enumerate(_triads(number)))):
        if not triad:
            continue
        words += _kk_triad(triad)
        if index:
            words.append(KK_SCALES[index - 1])
    return " ".join(words)


def _en_triad(n: int) -> list[str]:
    words = []
    if n // 100:
        words += [EN_UNITS[n // 100], "hundred"]
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(EN_TEENS[rest - 10])
    elif rest:
        tens, units = EN_TENS[rest // 10], EN_UNITS[rest % 10]
        words.append(f"{tens}-{units}" if tens and units else tens or units)
    return words


def en_number(number: int) -> str:
    """A whole number in English words: 1234 -> "one thousand two hundred thirty-four"."""
    if number == 0:
        return "zero"
    words: list[str] = []
    for index, triad in reversed(list(enumerate(_triads(number)))):
        if triad:
            words += _en_triad(triad)
            if index:
                words.append(EN_SCALES[index - 1])
    return " ".join(words)


def amount_in_words(amount: Decimal | int | str, *, language: str = "ru", currency: str = "KZT") -> str:
    """`amount` in words in `language` (ru, kk, en; any other: English) for `currency` (KZT, RUB).

    1200.50 -> "одна тысяча двести тенге 50 тиын" / "бір мың екі жүз теңге 50 тиын" /
    "one thousand two hundred tenge 50 tiyn". Rounded half up to cents. Raises ValueError for
    a negative amount or one of a quadrillion or more.
    """
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0 or value >= MAX_AMOUNT:
        raise ValueError(f"amount out of range: {amount}")
    whole, minor = divmod(int(value * 100), 100)
    language = (language or "en").split("-")[0].lower()
    names = CURRENCIES.get(currency.upper(), CURRENCIES["KZT"])
    if language == "ru":
        major_forms, minor_forms = names["ru"]
        # Kopecks are feminine, roubles and tenge masculine: the number agrees with its unit.
        return f"{ru_number(whole)} {ru_plural(whole, major_forms)} {minor:02d} {ru_plural(minor, minor_forms)}"
    if language == "kk":
        major, minor_name = names["kk"]
        return f"{kk_number(whole)} {major} {minor:02d} {minor_name}"
    major, minor_name = names["en"]
    return f"{en_number(whole)} {major} {minor:02d} {minor_name}"
