"""Balances from the old system: dry run with problem rows and totals, an idempotent real run, reconciliation."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from loyalty.choices import CardStatus
from loyalty.models import Card, Customer, LoyaltyAccount, PointsImport, PointsLedgerEntry
from loyalty.services.migration import points_migration_import
from tests.loyalty.conftest import CARD, balance

D = Decimal
GOOD = (
    "card_number;points;earned_on;expires_on\n"
    f"{CARD};120;2026-10-01;2027-10-01\n"
    f"{CARD};30;2026-11-01;2027-05-01\n"
    "2000000000022;15;;\n"
)


@pytest.fixture
def second(loyal):
    account = LoyaltyAccount.objects.create(customer=Customer.objects.create(phone="+77015550000"))
    Card.objects.create(number="2000000000022", status=CardStatus.ACTIVE, account=account)
    return account


def test_a_dry_run_lists_every_problem_row_and_the_totals_and_writes_nothing(loyal, second):
    bad = GOOD + "2999999999999;10;;\n" + f"{CARD};1.5;;\n" + f"{CARD};5;2026-01-01;2026-06-01\n" + "abc;3;;\n"
    result = points_migration_import(name="old.csv", content=bad.encode(), commit=False)
    assert result.rows == 7
    assert [line for line, _problem in result.problems] == [5, 6, 7, 8]
    assert "import the customers and cards first" in dict(result.problems)[5]
    assert (result.file_points, result.good_points) == (D("184.5"), D(165))
    assert not PointsLedgerEntry.objects.exists() and not PointsImport.objects.exists()
    committed = points_migration_import(name="old.csv", content=bad.encode(), commit=True)
    assert committed.written_points == 0 and not PointsLedgerEntry.objects.exists()  # problems: nothing written


def test_the_real_run_writes_each_lot_once_and_reconciles(loyal, second):
    result = points_migration_import(name="old.csv", content=GOOD.encode(), commit=True)
    assert (result.problems, result.written_points, result.ledger_points) == ([], D(165), D(165))
    assert [(r["card_number"], r["file"], r["ledger"], r["difference"]) for r in result.reconciliation] == [
        (CARD, D(150), D(150), D(0)),
        ("2000000000022", D(15), D(15), D(0)),
    ]
    assert balance(loyal) == (D(150), D(0), D(0))
    lots = sorted(PointsLedgerEntry.objects.filter(account=loyal["account"]).values_list("expires_on", "active"))
    assert lots == [(datetime.date(2027, 5, 1), D(30)), (datetime.date(2027, 10, 1), D(120))]
    again = points_migration_import(name="old.csv", content=GOOD.encode(), commit=True)
    assert (again.written_points, again.already_points, again.ledger_points) == (D(0), D(165), D(165))
    assert PointsLedgerEntry.objects.count() == 3 and PointsImport.objects.count() == 1
    changed = GOOD.replace(";120;", ";121;")
    conflict = points_migration_import(name="old.csv", content=changed.encode(), commit=True)
    assert "earlier import wrote 120" in conflict.problems[0][1]
    assert balance(loyal) == (D(150), D(0), D(0))


def test_an_excel_file_and_the_command(loyal, second, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Card", "Points", "Expires_on"])
    sheet.append([CARD, 40, datetime.datetime(2027, 2, 1)])
    stream = io.BytesIO()
    book.save(stream)
    path = tmp_path / "old.xlsx"
    path.write_bytes(stream.getvalue())
    out = io.StringIO()
    call_command("points_import", str(path), stdout=out)
    assert "points in the file 40" in out.getvalue() and not PointsLedgerEntry.objects.exists()
    call_command("points_import", str(path), "--commit", stdout=out)
    assert balance(loyal) == (D(40), D(0), D(0))


def test_an_unreadable_file_is_refused(loyal):
    with pytest.raises(ValueError):
        points_migration_import(name="old.csv", content=b"a;b\n1;2\n", commit=False)
