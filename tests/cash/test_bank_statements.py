"""Bank statement import: lines matched to encashments in transit and to card takings post through the
kernel; unmatched ones wait to be assigned; a re-import changes nothing; bad files are reported row by row."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from cash.choices import CashMovementKind, OrderDirection, OrderReason, StatementLineStatus
from cash.models import BankColumnMap, BankStatement, BankStatementLine, CashLedgerEntry, CashOrder
from cash.selectors import encashments_open
from cash.services import cash_order_create, transit_location
from cash.statements import StatementRow, bank_statement_import, build_lines, parse_amount, statement_line_assign
from inventory.choices import DocumentStatus
from inventory.exceptions import DomainError
from inventory.imports import ImportFileError
from inventory.models import PeriodLock

from .conftest import DAY, balance, card_sales, fill

D = Decimal
S = StatementLineStatus
pytestmark = pytest.mark.usefixtures("cash_balanced")


def encash(desk, amount, day):
    return cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.ENCASHMENT,
        location=desk,
        counter_location=transit_location(),
        amount=D(amount),
        business_date=day,
        post=True,
    )


def csv_file(rows, header="Date;Amount;Purpose;Counterparty") -> bytes:
    return ("\n".join([header, *(";".join(r) for r in rows)]) + "\n").encode("utf-8")


def days_ago(n):
    return DAY - datetime.timedelta(days=n)


@pytest.fixture
def world(desk, bank, acquirer):
    fill(desk, "100000", day=days_ago(10))
    card_sales(desk.shop, "10000.00", day=days_ago(3))  # 1.8 %: the bank credits 9,820.00
    return {
        "desk": desk,
        "bank": bank,
        "acquirer": acquirer,
        "e1": encash(desk, "15000.00", days_ago(4)),
        "e2": encash(desk, "15000.00", days_ago(2)),
        "e3": encash(desk, "7500.50", days_ago(1)),
    }


STATEMENT = [
    (days_ago(3).strftime("%d.%m.%Y"), "15 000,00", "Cash collection bag 1", "Collector LLP"),
    (DAY.strftime("%d.%m.%Y"), "15000.00", "Cash collection bag 2", "Collector LLP"),
    (days_ago(2).strftime("%d.%m.%Y"), "9 820,00", "Card acquiring settlement", "Halyk Bank"),
    (DAY.strftime("%d.%m.%Y"), "-2 500,00", "Bank service fee", "Bank"),
    (DAY.strftime("%d.%m.%Y"), "333,33", "Unknown transfer", "Someone"),
    (DAY.strftime("%d.%m.%Y"), "333,33", "Unknown transfer", "Someone"),
]


def test_a_statement_matches_encashments_and_card_takings_and_posts_them(world, owner):
    data = csv_file([list(r) for r in STATEMENT])
    result = bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="st.csv", actor=owner)
    assert result.errors == [] and result.refusals == []
    assert (result.lines_read, result.lines_new, result.lines_known, result.lines_matched) == (6, 6, 0, 3)
    lines = {line.row_number: line for line in BankStatementLine.objects.select_related("order")}
    # Both 15,000 lines: the oldest open encashment first, each within the window before its line.
    assert lines[2].status == S.MATCHED and lines[2].order.settles == world["e1"]
    assert lines[3].status == S.MATCHED and lines[3].order.settles == world["e2"]
    assert lines[2].order.business_date == days_ago(3) and lines[2].order.status == DocumentStatus.POSTED
    settlement = lines[4].order
    assert settlement.reason == OrderReason.CARD_SETTLEMENT and settlement.takings_date == days_ago(3)
    assert (settlement.amount, settlement.fee_amount) == (D("10000.00"), D("180.00"))
    assert [lines[n].status for n in (5, 6, 7)] == [S.UNMATCHED] * 3
    assert lines[6].ordinal == 1 and lines[7].ordinal == 2  # identical lines, told apart by their order
    assert balance(world["bank"]) == D("39820.00")
    assert balance(transit_location()) == D("7500.50")  # e3 is still on its way
    assert list(encashments_open()) == [world["e3"]]
    assert balance(world["acquirer"]) == D("0.00")


def test_importing_the_same_statement_again_changes_nothing(world, owner):
    data = csv_file([list(r) for r in STATEMENT])
    bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="st.csv", actor=owner)
    before = (BankStatementLine.objects.count(), CashOrder.objects.count(), CashLedgerEntry.objects.count())
    again = bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="st.csv", actor=owner)
    assert (again.lines_read, again.lines_new, again.lines_known, again.lines_matched) == (6, 0, 6, 0)
    after = (BankStatementLine.objects.count(), CashOrder.objects.count(), CashLedgerEntry.objects.count())
    assert after == before and balance(world["bank"]) == D("39820.00")
    # A longer statement of the same days adds only its new line (a third identical transfer).
    longer = csv_file([*[list(r) for r in STATEMENT], list(STATEMENT[-1])])
    third = bank_statement_import(bank_account_id=world["bank"].pk, data=longer, file_name="st2.csv", actor=owner)
    assert (third.lines_new, third.lines_known) == (1, 6)
    assert BankStatementLine.objects.get(statement=third.statement).ordinal == 3


def test_an_excel_statement_with_the_banks_own_columns(world, owner):
    BankColumnMap.objects.create(
        bank_account=world["bank"],
        date_column="Дата операции",
        amount_column="Кредит",
        debit_column="Дебет",
        purpose_column="Назначение платежа",
        counterparty_column="Контрагент",
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["Контрагент", "Дата операции", "Дебет", "Кредит", "Назначение платежа"])
    sheet.append(["Collector LLP", datetime.datetime.combine(days_ago(1), datetime.time()), None, 7500.5, "Bag 3"])
    sheet.append(["Bank", days_ago(1).strftime("%d.%m.%Y"), "120", None, "Fee"])
    out = io.BytesIO()
    book.save(out)
    result = bank_statement_import(bank_account_id=world["bank"].pk, data=out.getvalue(), file_name="s.xlsx")
    assert result.errors == [] and result.lines_matched == 1
    amounts = sorted(BankStatementLine.objects.values_list("amount", "status"))
    assert amounts == [(D("-120.00"), S.UNMATCHED), (D("7500.50"), S.MATCHED)]
    assert BankStatementLine.objects.get(amount=D("7500.50")).order.settles == world["e3"]


def test_a_line_outside_the_window_stays_to_assign_and_the_bookkeeper_assigns_it(world, owner):
    late = (DAY + datetime.timedelta(days=10)).strftime("%d.%m.%Y")
    data = csv_file([[late, "15000,00", "Bag 1 at last", "Collector LLP"]])
    result = bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="late.csv")
    assert result.lines_matched == 0
    line = BankStatementLine.objects.get()
    with pytest.raises(DomainError, match="credits 15000.00"):  # the wrong encashment: amounts differ
        statement_line_assign(line_id=line.pk, encashment_id=world["e3"].pk, actor=owner)
    assert BankStatementLine.objects.get().status == S.UNMATCHED and balance(world["bank"]) == D("0.00")
    statement_line_assign(line_id=line.pk, encashment_id=world["e1"].pk, actor=owner, note="late credit")
    line.refresh_from_db()
    assert line.status == S.ASSIGNED and line.order.settles == world["e1"] and line.resolved_by == owner
    assert balance(world["bank"]) == D("15000.00")
    with pytest.raises(DomainError, match="resolved already"):
        statement_line_assign(line_id=line.pk, ignore=True, note="x", actor=owner)


def test_a_line_is_assigned_to_card_takings_with_the_fee_the_bank_took(world, owner):
    data = csv_file([[DAY.strftime("%d.%m.%Y"), "9 800,00", "Acquiring", "Halyk"]])  # 200.00 kept, not 180.00
    bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="c.csv")
    line = BankStatementLine.objects.get()
    assert line.status == S.UNMATCHED
    statement_line_assign(line_id=line.pk, acquirer_id=world["acquirer"].pk, takings_date=days_ago(3), actor=owner)
    line.refresh_from_db()
    assert (line.order.amount, line.order.fee_amount) == (D("10000.00"), D("200.00"))
    fee = CashLedgerEntry.objects.get(kind=CashMovementKind.ACQUIRER_FEE)
    assert fee.amount == D("-200.00") and balance(world["bank"]) == D("9800.00")


def test_a_debit_is_marked_not_for_the_cash_ledger_with_a_note(world, owner):
    data = csv_file([[DAY.strftime("%d.%m.%Y"), "-2500", "Bank service fee", "Bank"]])
    bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="f.csv")
    line = BankStatementLine.objects.get()
    with pytest.raises(DomainError, match="Say why"):
        statement_line_assign(line_id=line.pk, ignore=True, actor=owner)
    statement_line_assign(line_id=line.pk, ignore=True, note="Booked by the accountant", actor=owner)
    assert BankStatementLine.objects.get().status == S.IGNORED


def test_a_refused_posting_leaves_its_line_to_assign_and_the_others_posted(world, owner):
    PeriodLock.objects.create(lock_date=days_ago(3))
    data = csv_file([list(STATEMENT[0]), list(STATEMENT[1])])
    result = bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="p.csv")
    assert result.lines_matched == 1 and len(result.refusals) == 1
    statuses = dict(BankStatementLine.objects.values_list("row_number", "status"))
    assert statuses == {2: S.UNMATCHED, 3: S.MATCHED}


def test_a_bad_file_is_reported_row_by_row_and_imports_nothing(world):
    data = csv_file(
        [
            ["32.13.2026", "100", "ok", "A"],
            [DAY.strftime("%d.%m.%Y"), "12,34,5x", "ok", "A"],
            [DAY.strftime("%d.%m.%Y"), "0", "zero", "A"],
            [DAY.strftime("%d.%m.%Y"), "5", "bad\x00purpose", "A"],
            [DAY.strftime("%d.%m.%Y"), "5", "fine", "A"],
        ]
    )
    result = bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="bad.csv")
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "Date"),
        (3, "Amount"),
        (4, "Amount"),
        (5, "Purpose"),
    ]
    assert "32.13.2026" in result.errors[0].message
    assert result.statement is None and not BankStatement.objects.exists() and not BankStatementLine.objects.exists()


def test_files_that_cannot_be_read_are_refused_with_the_reason(world, settings):
    with pytest.raises(ImportFileError, match="no column"):
        bank_statement_import(bank_account_id=world["bank"].pk, data=b"When;How much\n1;2\n", file_name="x.csv")
    with pytest.raises(ImportFileError, match="not an Excel"):
        bank_statement_import(bank_account_id=world["bank"].pk, data=b"garbage", file_name="x.xlsx")
    with pytest.raises(ImportFileError, match="limit"):
        bank_statement_import(bank_account_id=world["bank"].pk, data=b"x" * (5 * 1024 * 1024 + 1), file_name="b.csv")
    with pytest.raises(DomainError):
        bank_statement_import(bank_account_id=world["desk"].pk, data=csv_file([]), file_name="d.csv")
    assert not BankStatementLine.objects.exists()


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1 234,56", "1234.56"), ("1,234.56", "1234.56"), ("-500,00", "-500.00"), ("1.234,5", "1234.50"), (12.5, "12.50")],
)
def test_amounts_as_banks_write_them(text, amount):
    assert parse_amount(text) == D(amount)


def test_identical_lines_get_ordinals_and_distinct_identities():
    rows = [StatementRow(n, DAY, D("5.00"), "same", "X") for n in (2, 3)] + [
        StatementRow(4, DAY, D("5.00"), "other", "")
    ]
    lines = build_lines(7, rows)
    assert [line.ordinal for line in lines] == [1, 2, 1]
    assert len({line.identity for line in lines}) == 3
    assert build_lines(7, rows)[1].identity == lines[1].identity  # stable across imports
    assert build_lines(8, rows)[1].identity != lines[1].identity  # another bank account


# --- admin -----------------------------------------------------------------------------------------


def _upload(client, bank, data, name="st.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    return client.post(
        reverse("admin:cash_bankstatement_import"),
        {"bank_account": bank.pk, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
        follow=True,
    )


def test_the_accountant_imports_in_the_admin_and_assigns_what_is_left(client, accountant, world):
    from django.urls import reverse

    client.force_login(accountant)
    page = client.get(reverse("admin:cash_bankstatement_changelist"))
    assert reverse("admin:cash_bankstatement_import").encode() in page.content
    response = _upload(client, world["bank"], csv_file([list(r) for r in STATEMENT]))
    text = response.content.decode()
    assert "6 lines read: 6 new, 0 imported before; 3 matched and posted." in text
    assert text.count("/assign/") == 3  # the three unmatched lines
    again = _upload(client, world["bank"], csv_file([list(r) for r in STATEMENT]))
    assert "6 lines read: 0 new, 6 imported before; 0 matched and posted." in again.content.decode()
    line = BankStatementLine.objects.get(amount=D("-2500.00"))
    url = reverse("admin:cash_bankstatementline_assign", args=[line.pk])
    refused = client.post(url, {"ignore": "on", "note": ""})
    assert "Say why" in refused.content.decode()
    done = client.post(url, {"ignore": "on", "note": "Bank fee, booked by the accountant"})
    assert done.status_code == 302
    line.refresh_from_db()
    assert line.status == S.IGNORED and line.resolved_by == accountant


def test_a_bad_file_shows_its_rows_in_the_admin(client, owner, world):
    client.force_login(owner)
    response = _upload(client, world["bank"], csv_file([["yesterday", "1", "x", "y"]]))
    text = response.content.decode()
    assert "nothing was imported" in text and "Not a date: “yesterday”." in text
    assert not BankStatementLine.objects.exists()


def test_a_shop_manager_sees_no_bank_statements(client, shop_manager, world):
    from django.urls import reverse

    world["desk"].shop.managers.add(shop_manager)
    client.force_login(shop_manager)
    assert client.get(reverse("admin:cash_bankstatementline_changelist")).status_code == 403
    assert _upload(client, world["bank"], csv_file([list(STATEMENT[0])])).status_code == 403
    assert not BankStatementLine.objects.exists()


def test_the_lines_list_takes_a_fixed_number_of_queries(client, owner, world, django_assert_max_num_queries):
    from django.urls import reverse

    bank_statement_import(
        bank_account_id=world["bank"].pk, data=csv_file([list(r) for r in STATEMENT]), file_name="s.csv"
    )
    client.force_login(owner)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:cash_bankstatementline_changelist"))
    assert response.status_code == 200
    assert client.get(reverse("admin:cash_bankstatement_changelist")).status_code == 200
    line = BankStatementLine.objects.filter(status=S.UNMATCHED).first()
    assert client.get(reverse("admin:cash_bankstatementline_assign", args=[line.pk])).status_code == 200


def test_match_again_posts_a_line_whose_encashment_was_posted_after_the_import(client, owner, world):
    from django.urls import reverse

    data = csv_file([[DAY.strftime("%d.%m.%Y"), "640,00", "Bag 4", "Collector LLP"]])
    bank_statement_import(bank_account_id=world["bank"].pk, data=data, file_name="s.csv")
    line = BankStatementLine.objects.get()
    assert line.status == S.UNMATCHED
    late = encash(world["desk"], "640.00", days_ago(1))  # the encashment is entered only now
    client.force_login(owner)
    response = client.post(
        reverse("admin:cash_bankstatementline_changelist"),
        {"action": "match_again", "_selected_action": [line.pk]},
        follow=True,
    )
    assert "Lines matched and posted: 1." in response.content.decode()
    line.refresh_from_db()
    assert line.status == S.MATCHED and line.order.settles == late
    assert balance(world["bank"]) == D("640.00")
