"""Amounts in words for printed cash orders: hand-checked Russian, Kazakh and English, tenge and roubles."""

from decimal import Decimal

import pytest

from cash.words import amount_in_words, ru_plural

RUSSIAN_TENGE = [
    ("0", "ноль тенге 00 тиын"),
    ("1", "один тенге 00 тиын"),
    ("2", "два тенге 00 тиын"),
    ("5", "пять тенге 00 тиын"),
    ("11", "одиннадцать тенге 00 тиын"),
    ("21", "двадцать один тенге 00 тиын"),
    ("100", "сто тенге 00 тиын"),
    ("1000", "одна тысяча тенге 00 тиын"),
    ("2000", "две тысячи тенге 00 тиын"),
    ("5000", "пять тысяч тенге 00 тиын"),
    ("1000000", "один миллион тенге 00 тиын"),
    ("1200.50", "одна тысяча двести тенге 50 тиын"),
    ("1234567.89", "один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь тенге 89 тиын"),
    ("11000", "одиннадцать тысяч тенге 00 тиын"),
    ("21000", "двадцать одна тысяча тенге 00 тиын"),
    ("2000000", "два миллиона тенге 00 тиын"),
    ("5000000", "пять миллионов тенге 00 тиын"),
    ("1000001.05", "один миллион один тенге 05 тиын"),
]

RUSSIAN_ROUBLES = [
    ("0", "ноль рублей 00 копеек"),
    ("1", "один рубль 00 копеек"),
    ("2", "два рубля 00 копеек"),
    ("5", "пять рублей 00 копеек"),
    ("11", "одиннадцать рублей 00 копеек"),
    ("21", "двадцать один рубль 00 копеек"),
    ("100", "сто рублей 00 копеек"),
    ("1000", "одна тысяча рублей 00 копеек"),
    ("2000", "две тысячи рублей 00 копеек"),
    ("5000", "пять тысяч рублей 00 копеек"),
    ("1000000", "один миллион рублей 00 копеек"),
    ("1234567.89", "один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 89 копеек"),
    ("3.01", "три рубля 01 копейка"),
    ("14.22", "четырнадцать рублей 22 копейки"),
    ("112.11", "сто двенадцать рублей 11 копеек"),
]

KAZAKH = [
    ("0", "нөл теңге 00 тиын"),
    ("1", "бір теңге 00 тиын"),
    ("2", "екі теңге 00 тиын"),
    ("5", "бес теңге 00 тиын"),
    ("11", "он бір теңге 00 тиын"),
    ("21", "жиырма бір теңге 00 тиын"),
    ("100", "жүз теңге 00 тиын"),
    ("1000", "бір мың теңге 00 тиын"),
    ("2000", "екі мың теңге 00 тиын"),
    ("5000", "бес мың теңге 00 тиын"),
    ("1000000", "бір миллион теңге 00 тиын"),
    ("1200.50", "бір мың екі жүз теңге 50 тиын"),
    ("1234567.89", "бір миллион екі жүз отыз төрт мың бес жүз алпыс жеті теңге 89 тиын"),
    ("940", "тоғыз жүз қырық теңге 00 тиын"),
]

ENGLISH = [
    ("0", "zero tenge 00 tiyn"),
    ("1", "one tenge 00 tiyn"),
    ("2", "two tenge 00 tiyn"),
    ("5", "five tenge 00 tiyn"),
    ("11", "eleven tenge 00 tiyn"),
    ("21", "twenty-one tenge 00 tiyn"),
    ("100", "one hundred tenge 00 tiyn"),
    ("1000", "one thousand tenge 00 tiyn"),
    ("2000", "two thousand tenge 00 tiyn"),
    ("5000", "five thousand tenge 00 tiyn"),
    ("1000000", "one million tenge 00 tiyn"),
    ("1200.50", "one thousand two hundred tenge 50 tiyn"),
    ("1234567.89", "one million two hundred thirty-four thousand five hundred sixty-seven tenge 89 tiyn"),
]


@pytest.mark.parametrize(("amount", "words"), RUSSIAN_TENGE)
def test_russian_tenge(amount, words):
    assert amount_in_words(Decimal(amount), language="ru", currency="KZT") == words


@pytest.mark.parametrize(("amount", "words"), RUSSIAN_ROUBLES)
def test_russian_roubles_agree_with_the_number(amount, words):
    assert amount_in_words(Decimal(amount), language="ru", currency="RUB") == words


@pytest.mark.parametrize(("amount", "words"), KAZAKH)
def test_kazakh(amount, words):
    assert amount_in_words(Decimal(amount), language="kk") == words


@pytest.mark.parametrize(("amount", "words"), ENGLISH)
def test_english(amount, words):
    assert amount_in_words(Decimal(amount), language="en") == words


def test_half_a_tiyn_rounds_up_and_regional_language_codes_count():
    assert amount_in_words("0.005", language="ru-ru") == "ноль тенге 01 тиын"
    assert amount_in_words(7, language="en-us") == "seven tenge 00 tiyn"


@pytest.mark.parametrize("amount", ["-0.01", "1000000000000000"])
def test_out_of_range_amounts_are_refused(amount):
    with pytest.raises(ValueError):
        amount_in_words(Decimal(amount))


@pytest.mark.parametrize(
    ("number", "form"), [(1, "one"), (2, "few"), (4, "few"), (5, "many"), (11, "many"), (12, "many"), (21, "one")]
)
def test_russian_plural_forms(number, form):
    assert ru_plural(number, ("one", "few", "many")) == form
