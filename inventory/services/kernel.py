"""The ledger kernel's operations: every ledger writes, reverses and is checked through these.

- `balances_for_update`: create missing balance rows (insert ignoring conflicts, in key
  order) and lock every row in key order, so two writers never deadlock.
- `ledger_write`: lock, check the ledger's invariants under the lock, let its rule build
  the entries, insert them in bulk, update the balances with one set-based UPDATE.
- `ledger_reverse`: undo the rows a source wrote (each on its own date, or on one date).
- `ledger_adjust`: correct the amounts of rows already written (stock's re-costing): one
  adjustment row per correction, the balances follow, the rule's replayed state is set.
- `ledger_differences`: balances against SUM(entries), for `check_ledgers`.
- `posting_create` / `postings_create_bulk`: the audit row every ledger row points to.
- `document_post` / `document_cancel`: the one posting path of documents: lock, check
  draft or posted, check the period lock of every shop the document touches, write the
  posting, call the document's writes into each ledger, mark it under the posting marker.
- `open_day`: where a fact dated in a closed period lands (the first open day).

Facts that are created posted do not pass through `document_post`: a till receipt has no
draft to lock and check, and a sale that happened cannot be refused. Their path uses the
same pieces from here: the posting rows (`postings_create_bulk`, one per receipt), the
ledger writes (`ledger_write_by_date` through `stock_write_by_date`), and the period rule
(`open_day`: dated in a closed period, it posts on the first open day, flagged). Re-costing
is such a fact too: its adjustments go through `ledger_adjust`, dated by `open_day`.

Everything runs in the caller's transaction; the public services of each app are the
durable entry points.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..bulk import pg_execute_bound, rows_insert
from ..choices import PostingAction
from ..document_hooks import document_hooks_after_cancel, document_hooks_after_post
from ..exceptions import DocumentEmpty
from ..ledgers import Ledger, LedgerAdjustment, ledger_get
from ..models import PeriodLock, Posting
from .common import ensure_draft, ensure_period_open, ensure_posted

LOCK_CHUNK = 2000


@dataclass
class WriteResult:
    """The entries one write built (plain rows of the ledger's `Entry` class) and the keys its rule marked.

    Stock marks the pairs it queues for re-costing.
    """

    entries: list = field(default_factory=list)
    marked: set = field(default_factory=set)

    @property
    def recost_pairs(self) -> set:
        return self.marked


def _resolve(ledger: Ledger | str) -> Ledger:
    return ledger_get(ledger) if isinstance(ledger, str) else ledger


def _by_prefix(ledger: Ledger, keys) -> dict[tuple, list]:
    """Keys grouped by all but their last field: one statement per group filters the last with `__any`."""
    groups: dict[tuple, list] = defaultdict(list)
    for key in keys:
        groups[tuple(key[:-1])].append(key[-1])
    return groups


def _prefix_filter(ledger: Ledger, prefix: tuple, chunk: list) -> dict:
    return {**dict(zip(ledger.key_fields[:-1], prefix, strict=True)), f"{ledger.key_fields[-1]}__any": chunk}


def balances_for_update(ledger: Ledger | str, keys) -> dict[tuple, object]:
    """Create missing balance rows, then lock all of them in key order; the rows by key.

    The insert comes first and in key order, unconditionally (ON CONFLICT DO NOTHING: rows
    that exist are left alone, and twenty first writes of a key race safely); asking first
    which rows exist would cost a statement on every write. Locking the existing rows first
    and inserting the missing ones afterwards would take locks out of order: the threaded
    deadlock test catches that.
    """
    ledger = _resolve(ledger)
    keys = sorted(set(keys))
    if not keys:
        return {}
    model = ledger.balance_model
    model.objects.bulk_create(
        [model(**dict(zip(ledger.key_fields, key, strict=True))) for key in keys],
        ignore_conflicts=True,
        batch_size=LOCK_CHUNK,
    )
    return _lock(ledger, keys)


def _lock(ledger: Ledger, keys) -> dict[tuple, object]:
    model, row_class = ledger.balance_model, ledger.BalanceRow
    columns = ("id", *ledger.key_fields, *ledger.balance_columns, *(path for _a, path in ledger.lock_related))
    balances: dict[tuple, object] = {}
    groups = _by_prefix(ledger, keys)
    width = len(ledger.key_fields)
    for prefix in sorted(groups):
        values = groups[prefix]
        for start in range(0, len(values), LOCK_CHUNK):
            rows = (
                model.objects.select_for_update(of=("self",))
                .filter(**_prefix_filter(ledger, prefix, values[start : start + LOCK_CHUNK]))
                .order_by(*ledger.key_fields)
                .values_list(*columns)
            )
            for row in rows:
                balances[tuple(row[1 : 1 + width])] = row_class(*row)
    return balances


def ledger_write(
    ledger: Ledger | str,
    *,
    movements: list,
    posting_id: int | None,
    business_date: datetime.date,
    source_type: str,
    source_id: int | None,
    balances: dict | None = None,
    **options,
) -> WriteResult:
    """Write movements as entries of `ledger` and update its balances. Call inside a transaction.

    Locks the balance rows of every touched key in key order; checks the ledger's
    invariants under the lock (raising before anything is written); lets the rule compute
    each entry and change its balance; inserts the entries in one bulk statement per chunk
    and updates the balances with one set-based UPDATE. `options` reach the rule and the
    invariants (stock: `enforce_negative`). A movement's own `source_id`/`posting_id`, when
    set, win over the arguments: one call serves a batch of documents. `balances`: rows the
    caller locked already with `balances_for_update` in this transaction (a till batch locks
    before it writes its receipts); they carry on from what earlier writes left in them.
    """
    ledger = _resolve(ledger)
    result = WriteResult()
    if not movements:
        return result
    keys = [tuple(m.key) for m in movements]
    if balances is None:
        balances = balances_for_update(ledger, keys)
    else:
        balances = {key: balances[key] for key in sorted(set(keys))}
    for invariant in ledger.invariants:
        invariant.check(ledger, balances, movements, options)
    rule, entry = ledger.rule, ledger.Entry
    for m in movements:
        key = tuple(m.key)
        amounts, extra = rule.apply(ledger, balances[key], m, business_date, result, options)
        result.entries.append(
            entry(
                *key,
                *amounts,
                business_date,
                m.kind,
                source_type,
                m.source_id or source_id,
                m.line_id,
                m.posting_id or posting_id,
                m.reversal_of_id,
                *extra,
            )
        )
    rule.finish(ledger, balances, result, business_date, options)
    entries_insert(ledger, result.entries)
    balances_update(ledger, list(balances.values()))
    return result


def ledger_write_by_date(
    ledger: Ledger | str,
    *,
    movements_by_date: dict[datetime.date, list],
    source_type: str,
    posting_id: int | None = None,
    source_id: int | None = None,
    balances: dict | None = None,
    **options,
) -> WriteResult:
    """Write movements dated on several days (a till batch across midnight): every key locked once,
    in key order, before the first write (or by the caller: `balances`); then one `ledger_write`
    per day, oldest first, on the same locked rows."""
    ledger = _resolve(ledger)
    result = WriteResult()
    if balances is None:
        balances = balances_for_update(ledger, [tuple(m.key) for moves in movements_by_date.values() for m in moves])
    for day in sorted(movements_by_date):
        written = ledger_write(
            ledger,
            movements=movements_by_date[day],
            posting_id=posting_id,
            business_date=day,
            source_type=source_type,
            source_id=source_id,
            balances=balances,
            **options,
        )
        result.entries += written.entries
        result.marked |= written.marked
    return result


def entries_insert(ledger: Ledger, entries: list) -> None:
    """Insert entry rows (the ledger's `Entry` objects) in bulk, stamped now."""
    now = timezone.now()
    columns = ledger.entry_columns
    rows_insert(
        ledger.entry_model,
        [*columns, "created_at"],
        [(*(getattr(e, c) for c in columns), now) for e in entries],
    )


def balances_update(ledger: Ledger | str, balances: list) -> None:
    """Write many balance rows with one UPDATE ... FROM a set of new values (the amounts and the rule's state).

    Django's bulk_update builds a CASE per column, which grows with the square of the rows;
    this is linear. PostgreSQL gets one array per column (unnest); SQLite (3.33+) gets
    VALUES rows in chunks.
    """
    ledger = _resolve(ledger)
    if not balances:
        return
    meta = ledger.balance_model._meta
    table = connection.ops.quote_name(meta.db_table)
    names = ledger.balance_columns
    fields = [meta.get_field(n) for n in names]
    stamp = any(f.name == "updated_at" for f in meta.concrete_fields)
    now = timezone.now()
    if connection.vendor == "postgresql":
        sets = ", ".join(f"{connection.ops.quote_name(f.column)} = v.c{i}" for i, f in enumerate(fields))
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
        aliases = ", ".join(f"c{i}" for i in range(len(fields)))
        pg_execute_bound(
            f"UPDATE {table} SET {sets}{', updated_at = %s' if stamp else ''} "
            f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {aliases}) WHERE {table}.id = v.id",
            [
                *([now] if stamp else []),
                [b.pk for b in balances],
                *([getattr(b, n) for b in balances] for n in names),
            ],
        )
        return
    # SQLite names the VALUES columns column1, column2, ...
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = v.column{i + 2}" for i, f in enumerate(fields))
    row_sql = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    for start in range(0, len(balances), 1000):
        chunk = balances[start : start + 1000]
        params = []
        for b in chunk:
            params.append(b.pk)
            params += [f.get_db_prep_save(getattr(b, n), connection) for f, n in zip(fields, names, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {sets}{', updated_at = %s' if stamp else ''} "
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v WHERE {table}.id = v.column1",
                [*([now] if stamp else []), *params],
            )


def balance_ensure(ledger: Ledger | str, key: tuple, **fields) -> object:
    """The balance row of `key`, created with `fields` when missing (e.g. a flag the ledger's CHECK reads).

    For a ledger whose balance rows carry more than amounts (cash: whether till receipts may
    take a location below zero); the kernel's writes create plain rows otherwise. Safe when
    two callers race (the unique key decides).
    """
    ledger = _resolve(ledger)
    row, _created = ledger.balance_model.objects.get_or_create(
        **dict(zip(ledger.key_fields, key, strict=True)), defaults=fields
    )
    return row


def ledger_reverse(
    ledger: Ledger | str,
    *,
    source_type: str,
    source_id: int,
    posting_id: int,
    business_date: datetime.date | None = None,
    only_date: datetime.date | None = None,
    **options,
) -> WriteResult:
    """Reverse every entry a source wrote and that is not reversed yet, by the rule's reversal movements.

    Without `business_date` each entry is reversed on its own date (a transfer's receipt may
    be dated later than its shipping); every key is locked up front, in order, before any
    write. `only_date` limits it to the entries of one date.
    """
    ledger = _resolve(ledger)
    model = ledger.entry_model
    originals = model.objects.filter(source_type=source_type, source_id=source_id, reversal_of__isnull=True).exclude(
        Exists(model.objects.filter(reversal_of=OuterRef("pk")))
    )
    originals = ledger.rule.reversible(originals).order_by("id")
    if only_date is not None:
        originals = originals.filter(business_date=only_date)
    originals = list(originals)
    result = WriteResult()
    if not originals:
        return result
    by_date: dict[datetime.date, list] = defaultdict(list)
    for e in originals:
        by_date[business_date or e.business_date].append(e)
    if len(by_date) > 1:
        balances_for_update(ledger, [ledger.key_of(e) for e in originals])
    for day in sorted(by_date):
        written = ledger_write(
            ledger,
            movements=ledger.rule.reversal_movements(ledger, by_date[day]),
            posting_id=posting_id,
            business_date=day,
            source_type=source_type,
            source_id=source_id,
            **options,
        )
        result.entries += written.entries
        result.marked |= written.marked
    return result


def ledger_adjust(
    ledger: Ledger | str,
    *,
    adjustments: list[LedgerAdjustment],
    posting_id: int | None,
    kind: str,
    state: dict[tuple, dict] | None = None,
    balances: dict[tuple, object] | None = None,
) -> WriteResult:
    """Correct entries already on the ledger; the balances follow. Call inside a transaction.

    Each adjustment becomes a row of `kind` pointing at the entry it corrects (`adjusts`),
    with that entry's key and source, on its own `business_date`; its amounts are added to
    the key's balance (so balance = SUM(entries) holds by construction, and a balance that
    had drifted stays visible to `check_ledgers`). `state` sets the rule's state fields of a
    key to values the caller replayed (stock: the last unit cost), with or without
    adjustments. The rule's movement logic and the invariants do not run: an adjustment
    restates the past, it moves nothing. `balances`, when the caller holds the keys locked
    already (it read the entries under that lock), saves the lock queries. Raises TypeError
    for a ledger not declared `adjustable`, ValueError for a state field its rule does not keep.
    """
    ledger = _resolve(ledger)
    if not ledger.adjustable:
        raise TypeError(f"The {ledger.name} ledger is not declared adjustable.")
    state = state or {}
    unknown = {name for values in state.values() for name in values} - set(ledger.rule.state_fields)
    if unknown:
        raise ValueError(f"Not state fields of the {ledger.name} ledger: {sorted(unknown)}")
    keys = {ledger.key_of(a.entry) for a in adjustments} | set(state)
    if balances is None or not keys <= set(balances):
        balances = balances_for_update(ledger, keys)
    result = WriteResult()
    for adjustment in adjustments:
        entry, key = adjustment.entry, ledger.key_of(adjustment.entry)
        balance = balances[key]
        for name, amount in zip(ledger.amount_fields, adjustment.amounts, strict=True):
            setattr(balance, name, getattr(balance, name) + amount)
        result.entries.append(
            ledger.Entry(
                *key,
                *adjustment.amounts,
                adjustment.business_date,
                kind,
                entry.source_type,
                entry.source_id,
                entry.source_line_id,
                posting_id,
                None,
                *ledger.rule.adjustment_values(ledger, entry),
                entry.pk,
            )
        )
    for key, values in state.items():
        for name, value in values.items():
            setattr(balances[key], name, value)
    entries_insert(ledger, result.entries)
    balances_update(ledger, [balances[key] for key in sorted(keys)])
    return result


CHECK_CHUNK = 5000


def ledger_differences_walk(ledger: Ledger | str, report: Callable[[dict], None]) -> int:
    """Compare every balance of `ledger` with SUM(entries) in bounded memory; `report(row)` each difference.

    Returns the balances checked. Two streams from the database, both in key order (shop
    first: shop by shop), merged like sorted files: the balance rows, and the entries'
    sums grouped by key. Neither is held whole in memory, so a chain's year (40 million
    rows, 720,000 balances) costs a few chunks of rows, not gigabytes. A sum without a
    balance row and a balance row without entries (non-zero) are differences too.
    Amounts are compared as Decimals quantized to each column's scale, because SQLite sums
    decimals as floats. Keys are ids (integers): Python and the database order them alike.
    """
    ledger = _resolve(ledger)
    keys, amounts, labels = ledger.key_fields, ledger.amount_fields, ledger.amount_labels
    meta = ledger.balance_model._meta
    scale = [Decimal(1).scaleb(-meta.get_field(a).decimal_places) for a in amounts]
    zero = tuple(Decimal(0).quantize(s) for s in scale)
    width = len(keys)

    def exact(values) -> tuple:
        return tuple(Decimal(str(v or 0)).quantize(s) for v, s in zip(values, scale, strict=True))

    def ordered(rows):
        previous = None
        for row in rows:
            key = tuple(row[:width])
            if previous is not None and key <= previous:
                raise RuntimeError(f"{ledger.name}: keys must be unique ids in the same order in SQL and Python")
            previous = key
            yield key, exact(row[width:])

    def difference(key, balance, entries) -> dict:
        row = {"ledger": ledger.name, **dict(zip(keys, key, strict=True))}
        for i, label in enumerate(labels):
            row[f"balance_{label}"] = None if balance is None else str(balance[i])
            row[f"ledger_{label}"] = str(entries[i])
        return row

    sums = ordered(
        ledger.entry_model.objects.order_by(*keys)
        .values(*keys)
        .annotate(**{f"sum_{a}": Sum(a) for a in amounts})
        .values_list(*keys, *(f"sum_{a}" for a in amounts))
        .iterator(chunk_size=CHECK_CHUNK)
    )
    balances = ordered(
        ledger.balance_model.objects.order_by(*keys).values_list(*keys, *amounts).iterator(chunk_size=CHECK_CHUNK)
    )
    checked = 0
    end = object()
    summed = next(sums, end)
    for key, balance in balances:
        checked += 1
        while summed is not end and summed[0] < key:  # entries of a key with no balance row
            report(difference(summed[0], None, summed[1]))
            summed = next(sums, end)
        entries = zero
        if summed is not end and summed[0] == key:
            entries = summed[1]
            summed = next(sums, end)
        if entries != balance:
            report(difference(key, balance, entries))
    while summed is not end:
        report(difference(summed[0], None, summed[1]))
        summed = next(sums, end)
    return checked


def ledger_differences(ledger: Ledger | str) -> tuple[int, list[dict]]:
    """(balances checked, differences): balances that differ from SUM(entries), and sums with no balance row.

    Collects what `ledger_differences_walk` reports; `check_ledgers` walks without collecting.
    """
    found: list[dict] = []
    checked = ledger_differences_walk(ledger, found.append)
    return checked, found


# --- postings and the one posting path of documents ----------------------------------------------


def open_day(*, business_date: datetime.date, lock_date: datetime.date | None) -> tuple[datetime.date, bool]:
    """The date a fact of `business_date` is written on, and whether it moved: its own date, or the
    first open day (lock date + 1) when its period is closed. Pure.

    For what is created posted and cannot be refused (till receipts, re-costing adjustments);
    a document with a draft is refused instead (`ensure_period_open` in `document_post`).
    """
    if lock_date is not None and business_date <= lock_date:
        return lock_date + datetime.timedelta(days=1), True
    return business_date, False


def posting_create(*, document=None, action: str, actor=None, document_type=None, document_id=None, number=None):
    """The audit row of one posting, cancellation, receipt or re-costing: every ledger row it writes points here."""
    return Posting.objects.create(
        document_type=document_type or document.DOCUMENT_TYPE,
        document_id=document_id if document_id is not None else document.pk,
        document_number=number or document.number,
        action=action,
        actor=actor,
    )


def postings_create_bulk(*, document_type: str, documents: list[tuple[int, str]], action: str, actor=None) -> list[int]:
    """One posting per (document id, number), in one statement; the new ids in the same order (a till batch)."""
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    return rows_insert(
        Posting,
        ["document_type", "document_id", "document_number", "action", "actor_id", "created_at"],
        [(document_type, pk, number, action, actor_id, now) for pk, number in documents],
        returning=True,
    )


def _period_lock_subquery(model) -> Subquery | None:
    fields = getattr(model, "PERIOD_SHOP_FIELDS", None)
    if not fields:
        return None
    condition = Q(shop__isnull=True)
    for name in fields:
        condition |= Q(shop_id=OuterRef(name))
    return Subquery(PeriodLock.objects.filter(condition).order_by("-lock_date").values("lock_date")[:1])


def document_lock(model, document_id: int):
    """The document, locked; with `period_lock` read in the same query when the model names its shop fields."""
    queryset = model.objects.select_for_update(of=("self",))
    subquery = _period_lock_subquery(model)
    if subquery is not None:
        queryset = queryset.annotate(period_lock=subquery)
    return queryset.get(pk=document_id)


def _period_check(document) -> None:
    kwargs = {"lock_date": document.period_lock} if hasattr(document, "period_lock") else {}
    ensure_period_open(shop_ids=document.shop_ids(), business_date=document.period_date(), **kwargs)


def document_post(
    *,
    model,
    document_id: int,
    actor,
    write: Callable,
    document=None,
    require_lines: bool = True,
):
    """Post a document: lock it, check it is a draft and its period open for every shop it touches,
    write the posting, call `write(document, lines, posting)` (its writes into each ledger), the hooks other
    apps registered for its type (`inventory.document_hooks`: a goods receipt's payable), mark it posted.

    Raises DocumentNotDraft, PeriodClosed, DocumentEmpty, and whatever the writes raise
    (NegativeStock, LedgerOverdraft...); nothing is written then. `document`, when the
    caller holds it locked already (created in the same transaction), saves the lock query.
    """
    document = document or document_lock(model, document_id)
    ensure_draft(document)
    _period_check(document)
    lines = list(document.lines.order_by("pk"))
    if require_lines and not lines:
        raise DocumentEmpty(_("%(doc)s has no lines to post.") % {"doc": document.number})
    posting = posting_create(document=document, action=PostingAction.POST, actor=actor)
    write(document, lines, posting)
    document_hooks_after_post(document, lines, posting)
    document.mark_posted(actor=actor)
    return document


def document_cancel(*, model, document_id: int, actor, reverse: Callable):
    """Cancel a posted document: lock it, check it is posted and its period open for every shop,
    write the posting, call `reverse(document, posting)` (its reversals in each ledger), mark it cancelled.

    Raises DocumentNotPosted, PeriodClosed, and whatever the reversals raise.
    """
    document = document_lock(model, document_id)
    ensure_posted(document)
    _period_check(document)
    posting = posting_create(document=document, action=PostingAction.CANCEL, actor=actor)
    reverse(document, posting)
    document_hooks_after_cancel(document, posting)
    document.mark_cancelled(actor=actor)
    return document
