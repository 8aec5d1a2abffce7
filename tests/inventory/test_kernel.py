"""The ledger kernel without stock: a tiny ledger (add-only, never below zero) declared here.

Its two models live in a test-only app label (`kernel_tests`, not installed): migrations and
`makemigrations --check` never see them, and no test table ships with the product. The
module creates their tables once on the test database (outside any test transaction, so
threads on PostgreSQL see them), installs their guards from the declarations like every
migrate does (the ledger's entries, and a posted-rows table declared here), and drops them
at the end. Each test uses its own account numbers:
a transactional test's flush empties only installed apps' tables.
"""

import datetime
import itertools
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q

from inventory import db_guards
from inventory.choices import DocumentType, PostingAction
from inventory.exceptions import LedgerOverdraft, PeriodClosed
from inventory.ledgers import (
    Ledger,
    LedgerAdjustment,
    LedgerMovement,
    NonNegative,
    ledger_register,
    ledger_unregister,
    ledgers,
)
from inventory.models import PeriodLock, Posting, Price, PriceChange
from inventory.models.ledger import LedgerBalance, LedgerEntry
from inventory.services.checks import ledgers_check
from inventory.services.kernel import (
    balances_for_update,
    ledger_adjust,
    ledger_differences,
    ledger_reverse,
    ledger_write,
    posting_create,
    postings_create_bulk,
)

D = Decimal
DAY = datetime.date(2026, 11, 20)
SOURCE = DocumentType.RECEIPT
_accounts = itertools.count(1000)
_lines = itertools.count(1)


class TinyEntry(LedgerEntry):
    account_id = models.IntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # No database constraint: the flush of transactional tests truncates postings, not this table.
    posting = models.ForeignKey(Posting, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    adjusts = models.ForeignKey("self", on_delete=models.DO_NOTHING, null=True, related_name="+")

    class Meta(LedgerEntry.Meta):
        app_label = "kernel_tests"


class TinyBalance(LedgerBalance):
    account_id = models.IntegerField(unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        app_label = "kernel_tests"
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="tiny_balance_not_negative")]


class TinyTicket(models.Model):
    """A posted row of some future app: one line declares its guard."""

    DB_GUARD = db_guards.PostedRows()

    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        app_label = "kernel_tests"

    def __str__(self) -> str:
        return str(self.amount)


TINY = Ledger(
    name="tiny",
    entry_model=TinyEntry,
    balance_model=TinyBalance,
    key_fields=("account_id",),
    amount_fields=("amount",),
    invariants=(NonNegative("amount"),),
    adjustable=True,
)


@pytest.fixture(scope="module", autouse=True)
def tiny_ledger(django_db_setup, django_db_blocker):
    ledger_register(TINY)
    db_guards.guard_register(TinyTicket)
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(TinyBalance)
            editor.create_model(TinyEntry)
            editor.create_model(TinyTicket)
        guarded = db_guards.guards_install(connection)  # what inventory's post_migrate runs
        assert {TinyEntry._meta.db_table, TinyTicket._meta.db_table} <= set(guarded)
        assert TinyBalance._meta.db_table not in guarded  # balances are caches: the kernel updates them
    yield TINY
    ledger_unregister("tiny")
    db_guards.guard_unregister(TinyTicket)
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.delete_model(TinyTicket)
        editor.delete_model(TinyEntry)
        editor.delete_model(TinyBalance)


def posting(number="T-1"):
    return posting_create(document_type=SOURCE, document_id=next(_lines), number=number, action=PostingAction.POST)


def move(account, amount, *, kind="in", line=None):
    return LedgerMovement((account,), (D(amount),), kind, line or next(_lines))


def write(account_amounts, *, source_id=1, date=DAY):
    p = posting()
    ledger_write(
        TINY,
        movements=[move(a, x) for a, x in account_amounts],
        posting_id=p.pk,
        business_date=date,
        source_type=SOURCE,
        source_id=source_id,
    )
    return p


def amount(account):
    return TinyBalance.objects.filter(account_id=account).values_list("amount", flat=True).first()


def test_the_registry_holds_stock_and_the_tiny_ledger():
    assert [ledger.name for ledger in ledgers()][:1] == ["stock"]
    assert TINY in ledgers()


def test_writes_add_to_balances_and_entries_carry_their_source(db):
    a, b = next(_accounts), next(_accounts)
    p = write([(a, "10"), (b, "2.50"), (a, "5")], source_id=77)
    assert (amount(a), amount(b)) == (D("15.00"), D("2.50"))
    rows = list(TinyEntry.objects.filter(account_id=a).order_by("id").values_list("amount", "source_id", "posting"))
    assert rows == [(D("10.00"), 77, p.pk), (D("5.00"), 77, p.pk)]
    checked, differences = ledger_differences(TINY)
    assert checked >= 2 and differences == []


def test_an_overdraft_is_refused_under_the_lock_and_nothing_is_written(db):
    a, b = next(_accounts), next(_accounts)
    write([(a, "10")])
    before = TinyEntry.objects.count()
    with pytest.raises(LedgerOverdraft) as refused:
        write([(b, "3"), (a, "-4"), (a, "-7")])  # net -11 on a: the whole write is refused
    assert refused.value.shortages == [((a,), D("10.00"), D("11"))]
    assert "cannot go below zero" in refused.value.message
    assert TinyEntry.objects.count() == before
    assert amount(a) == D("10.00")
    write([(a, "-10")])  # down to zero exactly is allowed
    assert amount(a) == D("0.00")


def test_the_check_constraint_refuses_what_code_forgets(db):
    a = next(_accounts)
    write([(a, "1")])
    with pytest.raises(IntegrityError), transaction.atomic():
        TinyBalance.objects.filter(account_id=a).update(amount=D("-1"))


def test_one_row_per_source_line_and_kind(db):
    a = next(_accounts)
    p = posting()
    movement = move(a, "1", line=424242)
    ledger_write(TINY, movements=[movement], posting_id=p.pk, business_date=DAY, source_type=SOURCE, source_id=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger_write(TINY, movements=[movement], posting_id=p.pk, business_date=DAY, source_type=SOURCE, source_id=1)


def test_reversal_undoes_a_source_once_each_row_on_its_own_date(db):
    a, b = next(_accounts), next(_accounts)
    write([(a, "10"), (b, "4")], source_id=501, date=DAY)
    write([(a, "6")], source_id=501, date=DAY + datetime.timedelta(days=2))
    write([(a, "1")], source_id=502)
    cancel = posting("T-cancel")
    reversed_ = ledger_reverse(TINY, source_type=SOURCE, source_id=501, posting_id=cancel.pk)
    assert sorted((e.account_id, e.amount, e.business_date) for e in reversed_.entries) == sorted(
        [(a, D("-10.00"), DAY), (b, D("-4.00"), DAY), (a, D("-6.00"), DAY + datetime.timedelta(days=2))]
    )
    assert (amount(a), amount(b)) == (D("1.00"), D("0.00"))
    assert TinyEntry.objects.filter(source_id=501, reversal_of__isnull=False).count() == 3
    again = ledger_reverse(TINY, source_type=SOURCE, source_id=501, posting_id=cancel.pk)
    assert again.entries == [] and amount(a) == D("1.00")
    assert ledger_differences(TINY)[1] == []


def test_a_reversal_that_would_overdraw_is_refused(db):
    a = next(_accounts)
    write([(a, "10")], source_id=601)
    write([(a, "-8")], source_id=602)
    with pytest.raises(LedgerOverdraft):
        ledger_reverse(TINY, source_type=SOURCE, source_id=601, posting_id=posting().pk)
    assert amount(a) == D("2.00")


def test_differences_and_check_ledgers_see_every_registered_ledger(db):
    a = next(_accounts)
    write([(a, "3")])
    TinyBalance.objects.filter(account_id=a).update(amount=D("5"))
    _checked, differences = ledger_differences(TINY)
    assert {"ledger": "tiny", "account_id": a, "balance_amount": "5.00", "ledger_amount": "3.00"} in differences
    run = ledgers_check()
    assert any(d.get("ledger") == "tiny" and d.get("account_id") == a for d in run.details)
    balances_for_update(TINY, [(a,)])  # a balance row never written: a lone balance of zero is no difference
    TinyBalance.objects.filter(account_id=a).update(amount=D("3"))
    assert [d for d in ledger_differences(TINY)[1] if d["account_id"] == a] == []


def test_entries_of_a_registered_ledger_are_immutable_in_the_database(db):
    a = next(_accounts)
    write([(a, "3")])
    with pytest.raises(IntegrityError), transaction.atomic():
        TinyEntry.objects.filter(account_id=a).update(amount=D("4"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TinyEntry.objects.filter(account_id=a).delete()


def test_an_adjustment_corrects_an_entry_and_its_balance_follows(db):
    a = next(_accounts)
    write([(a, "10")], source_id=701)
    entry = TinyEntry.objects.get(account_id=a)
    p = posting("T-adjust")
    later = DAY + datetime.timedelta(days=3)
    written = ledger_adjust(
        TINY, adjustments=[LedgerAdjustment(entry, (D("-2.50"),), later)], posting_id=p.pk, kind="adjust"
    )
    assert [(e.amount, e.adjusts_id) for e in written.entries] == [(D("-2.50"), entry.pk)]
    row = TinyEntry.objects.get(adjusts=entry)
    assert (row.account_id, row.source_id, row.source_line_id, row.business_date, row.posting_id, row.kind) == (
        a,
        701,
        entry.source_line_id,
        later,
        p.pk,
        "adjust",
    )
    assert amount(a) == D("7.50")
    assert [d for d in ledger_differences(TINY)[1] if d["account_id"] == a] == []


def test_an_adjustment_is_refused_where_the_ledger_does_not_allow_it(db):
    a = next(_accounts)
    write([(a, "1")])
    entry = TinyEntry.objects.get(account_id=a)
    plain = Ledger(
        name="plain",
        entry_model=TinyEntry,
        balance_model=TinyBalance,
        key_fields=("account_id",),
        amount_fields=("amount",),
    )
    with pytest.raises(TypeError):
        ledger_adjust(plain, adjustments=[LedgerAdjustment(entry, (D("1"),), DAY)], posting_id=None, kind="adjust")
    with pytest.raises(ValueError):  # the add rule keeps no state besides the amounts
        ledger_adjust(TINY, adjustments=[], posting_id=None, kind="adjust", state={(a,): {"amount": D("9")}})
    assert amount(a) == D("1.00") and TinyEntry.objects.filter(account_id=a).count() == 1


def test_a_table_declared_in_one_line_gets_its_triggers_on_every_database(db):
    """TinyTicket says `DB_GUARD = PostedRows()`: changed only under the posting marker, never deleted."""
    table = TinyTicket._meta.db_table
    ticket = TinyTicket.objects.create(amount=D("5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TinyTicket.objects.filter(pk=ticket.pk).update(amount=D("6"))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    with db_guards.posting_marker():
        TinyTicket.objects.filter(pk=ticket.pk).update(amount=D("7"))  # its posting service may
    ticket.refresh_from_db()
    assert ticket.amount == D("7.00")
    assert table in db_guards.guards_install(connection)  # installing again is harmless
    with pytest.raises(IntegrityError), transaction.atomic():
        TinyTicket.objects.filter(pk=ticket.pk).update(amount=D("8"))


def test_every_declared_guard_is_generated_for_both_databases():
    """One declaration, two dialects: each guard yields PostgreSQL and SQLite statements that name its table."""
    guards = db_guards.declared_guards()
    kinds = {type(g).__name__ for g in guards.values()}
    assert kinds == {"AppendOnly", "PostedDocument", "DocumentLines", "PostedRows", "FrozenWhenClosed"}
    for model, guard in guards.items():
        for vendor in ("postgresql", "sqlite"):
            statements = guard.sql(vendor, model)
            assert statements and all(model._meta.db_table in s for s in statements), (model, vendor)


def test_a_fact_dated_in_a_closed_period_lands_on_the_first_open_day():
    from inventory.services.kernel import open_day

    assert open_day(business_date=DAY, lock_date=None) == (DAY, False)
    assert open_day(business_date=DAY, lock_date=DAY - datetime.timedelta(days=1)) == (DAY, False)
    assert open_day(business_date=DAY, lock_date=DAY) == (DAY + datetime.timedelta(days=1), True)
    later = DAY + datetime.timedelta(days=9)
    assert open_day(business_date=DAY, lock_date=later) == (later + datetime.timedelta(days=1), True)


def test_a_batch_writes_one_posting_per_document(db):
    a = next(_accounts)
    ids = postings_create_bulk(document_type=SOURCE, documents=[(901, "T/901"), (902, "T/902")], action="post")
    movements = [
        LedgerMovement((a,), (D("2"),), "in", next(_lines), source_id=901, posting_id=ids[0]),
        LedgerMovement((a,), (D("3"),), "in", next(_lines), source_id=902, posting_id=ids[1]),
    ]
    ledger_write(TINY, movements=movements, posting_id=None, business_date=DAY, source_type=SOURCE, source_id=None)
    rows = set(TinyEntry.objects.filter(account_id=a).values_list("source_id", "posting_id"))
    assert rows == {(901, ids[0]), (902, ids[1])}
    assert list(Posting.objects.filter(pk__in=ids).order_by("id").values_list("document_number", flat=True)) == [
        "T/901",
        "T/902",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_spending_the_same_balance_exactly_one_succeeds():
    a = next(_accounts)
    with transaction.atomic():
        write([(a, "10")])
    barrier = threading.Barrier(2)
    outcomes = []

    def spend():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                p = posting("T-spend")
                ledger_write(
                    TINY,
                    movements=[move(a, "-7", kind="out")],
                    posting_id=p.pk,
                    business_date=DAY,
                    source_type=SOURCE,
                    source_id=2,
                )
            outcomes.append("ok")
        except LedgerOverdraft:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert amount(a) == D("3.00")
    assert [d for d in ledger_differences(TINY)[1] if d["account_id"] == a] == []


# --- the one posting path for price changes and re-costing ---------------------------------------


def test_a_price_change_posts_with_a_posting_and_respects_the_period_lock(db):
    from inventory.services.prices import price_change_cancel, price_change_create_posted
    from tests.factories import PriceZoneFactory, ProductFactory, ShopFactory, UserFactory

    zone = PriceZoneFactory(code="ZK")
    shop = ShopFactory(code="K1", price_zone=zone)
    product, user = ProductFactory(sku="KERNEL-1"), UserFactory()
    PeriodLock.objects.create(shop=shop, lock_date=DAY)
    with pytest.raises(PeriodClosed):
        price_change_create_posted(zone=zone, effective_date=DAY, prices=[(product.pk, D("5"))], actor=user)
    assert not PriceChange.objects.filter(zone=zone).exists() and not Price.objects.filter(product=product).exists()
    document = price_change_create_posted(
        zone=zone, effective_date=DAY + datetime.timedelta(days=1), prices=[(product.pk, D("5"))], actor=user
    )
    posting_row = Posting.objects.get(document_type=DocumentType.PRICE_CHANGE, document_id=document.pk)
    assert (posting_row.action, posting_row.actor) == (PostingAction.POST, user)
    PeriodLock.objects.filter(shop=shop).update(lock_date=DAY + datetime.timedelta(days=1))
    with pytest.raises(PeriodClosed):
        price_change_cancel(document_id=document.pk, actor=user)
    document.refresh_from_db()
    assert document.status == "posted"


def test_a_recosting_adjustment_of_a_closed_period_is_dated_on_the_first_open_day(db):
    from inventory.models import GoodsReceipt, StockBalance, StockLedgerEntry, WriteOff
    from inventory.services import goods_receipt_post, write_off_post
    from inventory.services.recost import stock_recost_pair
    from tests.factories import ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document

    shop, milk = ShopFactory(code="K2"), ProductFactory(sku="KERNEL-2")
    supplier, user = SupplierFactory(), UserFactory()

    def receive(day, quantity, price):
        doc = stock_document(
            GoodsReceipt,
            shop=shop,
            supplier=supplier,
            business_date=day,
            lines=[{"product": milk, "quantity": D(quantity), "price_amount": D(price)}],
        )
        goods_receipt_post(document_id=doc.pk, actor=user)

    receive(DAY, "10", "10")
    wo = stock_document(
        WriteOff,
        shop=shop,
        business_date=DAY + datetime.timedelta(days=5),
        lines=[{"product": milk, "quantity": D("10")}],
    )
    write_off_post(document_id=wo.pk, actor=user)
    receive(DAY + datetime.timedelta(days=1), "10", "40")  # back-dated: the write-off's cost is queued to change
    PeriodLock.objects.create(shop=None, lock_date=DAY + datetime.timedelta(days=5))  # closed before the job ran
    assert stock_recost_pair(shop_id=shop.pk, product_id=milk.pk) == 1
    original = StockLedgerEntry.objects.get(source_type=DocumentType.WRITE_OFF, adjusts__isnull=True)
    adjustment = StockLedgerEntry.objects.get(adjusts=original)
    assert original.business_date == DAY + datetime.timedelta(days=5)
    assert adjustment.business_date == DAY + datetime.timedelta(days=6)  # the first open day
    assert original.cost_amount + adjustment.cost_amount == D("-250.00")
    assert adjustment.posting.document_type == DocumentType.RECOST
    balance = StockBalance.objects.get(shop=shop, product=milk)
    assert (balance.quantity, balance.cost_amount) == (D("10.000"), D("250.00"))


def test_every_registered_ledger_has_its_guards(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        guarded = {row[0] for row in cursor.fetchall()}
    tables = [ledger.entry_model._meta.db_table for ledger in ledgers()]
    assert "inventory_stockledgerentry" in tables and TinyEntry._meta.db_table in tables
    assert [t for t in tables if t not in guarded] == []


def test_query_capture_sees_the_bulk_statements_on_every_database(db):
    from django.test.utils import CaptureQueriesContext

    a = next(_accounts)
    with CaptureQueriesContext(connection) as captured:
        write([(a, "3")])
    statements = [q["sql"] for q in captured.captured_queries]
    table = TinyEntry._meta.db_table
    assert any(s.startswith("INSERT INTO") and table in s for s in statements)
    assert any(s.startswith("UPDATE") and TinyBalance._meta.db_table in s for s in statements)
