"""Database triggers that keep posted data immutable, whatever writes to the database.

`QuerySet.update()`, raw SQL and admin actions bypass `save()`; these triggers do not.
A refused statement raises IntegrityError (SQLite RAISE(ABORT), PostgreSQL SQLSTATE 23514).

Each guarded model declares its guard once, as `DB_GUARD` on the model (an abstract base
declares it for all its children), or with `guard_register(model, guard)` for a model one
cannot edit. `guards_install` runs after every `migrate` (inventory's post_migrate) and
installs, for every declaration (and every registered ledger's entry model), the PostgreSQL
triggers and their SQLite equivalents generated from that one declaration. Dropped and
created again each time: a SQLite migration that rebuilt a table gets its triggers back,
and a column added since is covered.

- `AppendOnly` (ledger rows, postings): no UPDATE, no DELETE, ever;
- `PostedDocument` (document headers): a draft is free; a posted document may only become
  cancelled (a transfer also be received: `editable_after_posting`); a cancelled one is
  frozen; only drafts may be deleted; the status changes only while the posting marker is
  set (see `posting_marker`);
- `DocumentLines` (document lines): inserted, changed or deleted only while their document
  is a draft (transfer lines may get a received quantity until the transfer is received);
- `PostedRows` (receipts, their lines and payments, prices): changed only under the posting
  marker, never deleted;
- `FrozenWhenClosed` (a closed shift and its Z-report figures): never changed or deleted
  once its column is set;
- every guarded table refuses TRUNCATE on PostgreSQL (a statement trigger); SQLite has no
  TRUNCATE, and its `DELETE FROM t` fires the row triggers.

Why not django-pgtrigger: it installs PostgreSQL triggers only (its migration operations do
nothing on other databases), so the SQLite equivalents would need a second compiler of its
conditions; our line and status rules read the parent row and the transaction-local marker,
which would be hand-written PL/pgSQL inside it anyway; its `Protect` raises SQLSTATE P0001
(an InternalError in Django), not the check violation (IntegrityError) the services and
tests rely on; its `ignore()` switches a trigger off wholesale, where our marker lets only
the status change; and it writes each trigger into migrations, where ours follow the
declarations after every migrate.

The posting marker is transaction-local: PostgreSQL `set_config('retail.posting', 'on', true)`;
on SQLite a row in `retail_posting_marker`, which only the writing transaction can see
(SQLite has one writer at a time) and which is gone at its end. Only the posting services
set it, around the statements that change what is posted, so `UPDATE ... SET status =
'cancelled'` typed in SQL is refused and leaves the ledger true.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

MARKER_TABLE = "retail_posting_marker"
# Test databases set this session setting so that Django's flush (TRUNCATE) can empty them.
TRUNCATE_SETTING = "retail.allow_truncate"


@contextmanager
def posting_marker():
    """Let the statements inside change posted rows and document statuses (posting services only).

    A savepoint scopes it: on an error the savepoint's rollback takes the marker with it.
    Nested use keeps the marker until the outermost block ends.
    """
    with transaction.atomic():
        depth = getattr(connection, "_retail_posting_depth", 0)
        if depth == 0:
            _marker_set(True)
        connection._retail_posting_depth = depth + 1
        try:
            yield
        finally:
            connection._retail_posting_depth = depth
        if depth == 0:
            _marker_set(False)


def _marker_set(on: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('retail.posting', %s, true)", ["on" if on else ""])
        elif on:
            cursor.execute(f"INSERT OR IGNORE INTO {MARKER_TABLE} (id) VALUES (1)")
        else:
            cursor.execute(f"DELETE FROM {MARKER_TABLE}")


DOCUMENT_ALWAYS_ALLOWED = ("status", "cancelled_at", "cancelled_by_id")


def _refuse_sqlite(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"


def _pg_truncate(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION retail_refuse_truncate()",
    ]


def _pg_trigger(table: str, name: str, timing: str, call: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW EXECUTE FUNCTION {call}",
    ]


def _sqlite_trigger(name: str, definition: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}", f"CREATE TRIGGER {name} {definition}"]


def _columns(model, names) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


class Guard:
    """A declaration of what the database refuses on one model's table; see the module docstring."""

    def sql(self, vendor: str, model) -> list[str]:
        table = model._meta.db_table
        if vendor == "postgresql":
            return [*_pg_truncate(table), *self.postgresql(model, table)]
        if vendor == "sqlite":
            return self.sqlite(model, table)
        raise NotImplementedError(f"No immutability triggers for {vendor}")

    def postgresql(self, model, table: str) -> list[str]:
        raise NotImplementedError

    def sqlite(self, model, table: str) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class AppendOnly(Guard):
    """Rows are inserted, never updated or deleted: ledger rows, postings."""

    def postgresql(self, model, table):
        return _pg_trigger(table, f"{table}_immutable", "BEFORE UPDATE OR DELETE", "retail_refuse_ledger_change()")

    def sqlite(self, model, table):
        refuse = _refuse_sqlite(f"{table}: ledger rows are immutable")
        return [
            statement
            for op in ("UPDATE", "DELETE")
            for statement in _sqlite_trigger(f"{table}_no_{op.lower()}", f"BEFORE {op} ON {table} {refuse}")
        ]


@dataclass(frozen=True)
class PostedDocument(Guard):
    """Frozen once posted (the `status` column): see the module docstring. `editable_after_posting` are
    fields that may still change on a posted document (a transfer's receipt)."""

    editable_after_posting: tuple[str, ...] = ()

    def allowed(self, model) -> list[str]:
        return [*DOCUMENT_ALWAYS_ALLOWED, *_columns(model, self.editable_after_posting)]

    def postgresql(self, model, table):
        args = ", ".join(f"'{c}'" for c in self.allowed(model))
        return _pg_trigger(table, f"{table}_guard", "BEFORE UPDATE OR DELETE", f"retail_guard_document({args})")

    def sqlite(self, model, table):
        allowed = self.allowed(model)
        frozen = [c for c in columns_of(model) if c not in allowed]
        unchanged = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in frozen)
        return [
            *_sqlite_trigger(
                f"{table}_guard_delete",
                f"BEFORE DELETE ON {table} WHEN OLD.status <> 'draft' "
                + _refuse_sqlite(f"{table}: only a draft can be deleted"),
            ),
            *_sqlite_trigger(
                f"{table}_guard_update",
                f"BEFORE UPDATE ON {table} WHEN OLD.status <> 'draft' AND "
                f"(OLD.status = 'cancelled' OR NEW.status NOT IN ('posted', 'cancelled') OR NOT ({unchanged})) "
                + _refuse_sqlite(f"{table}: a posted document cannot be changed"),
            ),
            *_sqlite_trigger(
                f"{table}_guard_status",
                f"BEFORE UPDATE OF status ON {table} WHEN NEW.status IS NOT OLD.status AND {SQLITE_NO_MARKER} "
                + _refuse_sqlite(f"{table}: a status changes only through its posting service"),
            ),
        ]


@dataclass(frozen=True)
class DocumentLines(Guard):
    """Lines follow their document (the foreign key `parent`): written only while it is a draft.

    `editable_while_posted` fields may change while the document is posted and its
    `open_while_null` field is still empty (a transfer's received quantities until it is received).
    """

    parent: str = "document"
    editable_while_posted: tuple[str, ...] = ()
    open_while_null: str | None = None

    def _parent(self, model):
        field = model._meta.get_field(self.parent)
        parent = field.related_model
        open_column = parent._meta.get_field(self.open_while_null).column if self.open_while_null else None
        return field.column, parent._meta.db_table, parent._meta.pk.column, open_column

    def postgresql(self, model, table):
        fk, parent_table, _pk, open_column = self._parent(model)
        editable = _columns(model, self.editable_while_posted)
        args = ", ".join(f"'{a}'" for a in (parent_table, fk, open_column or "", *editable))
        return _pg_trigger(
            table, f"{table}_guard", "BEFORE INSERT OR UPDATE OR DELETE", f"retail_guard_document_lines({args})"
        )

    def sqlite(self, model, table):
        fk, parent_table, pk, open_column = self._parent(model)
        status = f"(SELECT status FROM {parent_table} WHERE {pk} = {{ref}}.{fk})"
        refuse = _refuse_sqlite(f"{table}: lines of a posted document cannot be changed")
        condition = f"{status.format(ref='OLD')} <> 'draft'"
        if self.editable_while_posted:
            editable = _columns(model, self.editable_while_posted)
            unchanged = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in columns_of(model) if c not in editable)
            still_open = f"(SELECT {open_column} FROM {parent_table} WHERE {pk} = OLD.{fk}) IS NULL"
            condition += f" AND NOT ({status.format(ref='OLD')} = 'posted' AND {still_open} AND {unchanged})"
        return [
            *_sqlite_trigger(
                f"{table}_guard_insert", f"BEFORE INSERT ON {table} WHEN {status.format(ref='NEW')} <> 'draft' {refuse}"
            ),
            *_sqlite_trigger(
                f"{table}_guard_delete", f"BEFORE DELETE ON {table} WHEN {status.format(ref='OLD')} <> 'draft' {refuse}"
            ),
            *_sqlite_trigger(f"{table}_guard_update", f"BEFORE UPDATE ON {table} WHEN {condition} {refuse}"),
        ]


@dataclass(frozen=True)
class PostedRows(Guard):
    """Rows written posted (receipts, prices): changed only under the posting marker, never deleted."""

    def postgresql(self, model, table):
        return _pg_trigger(table, f"{table}_guard_posted", "BEFORE UPDATE OR DELETE", "retail_guard_posted_row()")

    def sqlite(self, model, table):
        return [
            *_sqlite_trigger(
                f"{table}_guard_update",
                f"BEFORE UPDATE ON {table} WHEN {SQLITE_NO_MARKER} "
                + _refuse_sqlite(f"{table}: posted rows change only through their posting service"),
            ),
            *_sqlite_trigger(
                f"{table}_guard_delete",
                f"BEFORE DELETE ON {table} " + _refuse_sqlite(f"{table}: posted rows cannot be deleted"),
            ),
        ]


@dataclass(frozen=True)
class FrozenWhenClosed(Guard):
    """Never changed or deleted once `field` is set (a closed shift)."""

    field: str

    def postgresql(self, model, table):
        column = model._meta.get_field(self.field).column
        return _pg_trigger(
            table, f"{table}_guard_closed", "BEFORE UPDATE OR DELETE", f"retail_guard_closed_row('{column}')"
        )

    def sqlite(self, model, table):
        column = model._meta.get_field(self.field).column
        refuse = _refuse_sqlite(f"{table}: a closed row cannot be changed")
        return [
            statement
            for op in ("UPDATE", "DELETE")
            for statement in _sqlite_trigger(
                f"{table}_guard_closed_{op.lower()}", f"BEFORE {op} ON {table} WHEN OLD.{column} IS NOT NULL {refuse}"
            )
        ]


SQLITE_NO_MARKER = f"NOT EXISTS (SELECT 1 FROM {MARKER_TABLE})"

PG_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION retail_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '%: ledger rows are immutable', TG_TABLE_NAME USING ERRCODE = '23514';
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION retail_guard_document() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION '%: only a draft can be deleted', TG_TABLE_NAME USING ERRCODE = '23514';
    END IF;
    RETURN OLD;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND coalesce(current_setting('retail.posting', true), '') <> 'on' THEN
    RAISE EXCEPTION '%: a status changes only through its posting service', TG_TABLE_NAME USING ERRCODE = '23514';
  END IF;
  IF OLD.status = 'draft' THEN
    RETURN NEW;
  END IF;
  IF OLD.status = 'cancelled' OR NEW.status NOT IN ('posted', 'cancelled')
     OR (to_jsonb(NEW) - TG_ARGV) <> (to_jsonb(OLD) - TG_ARGV) THEN
    RAISE EXCEPTION '%: a posted document cannot be changed', TG_TABLE_NAME USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

-- TG_ARGV: parent table, the line's column pointing at it, the parent column that must be
-- NULL for edits while posted, then the line columns editable while posted.
CREATE OR REPLACE FUNCTION retail_guard_document_lines() RETURNS trigger AS $$
DECLARE
  doc_id bigint;
  parent_status text;
  parent_open boolean;
BEGIN
  IF TG_OP = 'DELETE' THEN
    doc_id := (to_jsonb(OLD) ->> TG_ARGV[1])::bigint;
  ELSE
    doc_id := (to_jsonb(NEW) ->> TG_ARGV[1])::bigint;
  END IF;
  EXECUTE format('SELECT status FROM %I WHERE id = $1', TG_ARGV[0]) INTO parent_status USING doc_id;
  IF parent_status IS NULL OR parent_status = 'draft' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND parent_status = 'posted' AND TG_ARGV[2] <> '' THEN
    EXECUTE format('SELECT %I IS NULL FROM %I WHERE id = $1', TG_ARGV[2], TG_ARGV[0]) INTO parent_open USING doc_id;
    IF parent_open AND (to_jsonb(NEW) - TG_ARGV[3:]) = (to_jsonb(OLD) - TG_ARGV[3:]) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION '%: lines of a posted document cannot be changed', TG_TABLE_NAME USING ERRCODE = '23514';
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION retail_guard_posted_row() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION '%: posted rows cannot be deleted', TG_TABLE_NAME USING ERRCODE = '23514';
  END IF;
  IF coalesce(current_setting('retail.posting', true), '') <> 'on' THEN
    RAISE EXCEPTION '%: posted rows change only through their posting service', TG_TABLE_NAME
      USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

-- TG_ARGV[0]: the column that, once set, closes the row.
CREATE OR REPLACE FUNCTION retail_guard_closed_row() RETURNS trigger AS $$
BEGIN
  IF to_jsonb(OLD) ->> TG_ARGV[0] IS NOT NULL THEN
    RAISE EXCEPTION '%: a closed row cannot be changed', TG_TABLE_NAME USING ERRCODE = '23514';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION retail_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('retail.allow_truncate', true), '') <> 'on' THEN
    RAISE EXCEPTION '%: posted data cannot be truncated', TG_TABLE_NAME USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def columns_of(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


# --- the declarations, and their installation after migrate --------------------------------------

_REGISTERED: dict[type, Guard] = {}


def guard_register(model, guard: Guard | None = None) -> None:
    """Declare the guard of a model that does not carry `DB_GUARD` itself (or of one outside INSTALLED_APPS)."""
    _REGISTERED[model] = guard or model.DB_GUARD


def guard_unregister(model) -> None:
    """For tests that declare a model of their own."""
    _REGISTERED.pop(model, None)


def declared_guards() -> dict[type, Guard]:
    """Every declared guard by model: `DB_GUARD` of installed models, registered ones, and every
    registered ledger's entry model (append-only, unless it declares otherwise)."""
    from django.apps import apps

    from .ledgers import ledgers

    guards: dict[type, Guard] = {}
    for model in apps.get_models():
        guard = getattr(model, "DB_GUARD", None)
        if guard is not None and not model._meta.proxy and model._meta.managed:
            guards[model] = guard
    for ledger in ledgers():
        guards.setdefault(ledger.entry_model, getattr(ledger.entry_model, "DB_GUARD", None) or AppendOnly())
    guards.update(_REGISTERED)
    return guards


def guards_install(connection_, guards: dict | None = None) -> list[str]:
    """Install the triggers of every declared guard whose table exists; the tables guarded, sorted.

    Idempotent; runs after every `migrate`. `guards` (model -> guard) limits it to those.
    """
    guards = declared_guards() if guards is None else guards
    existing = set(connection_.introspection.table_names())
    chosen = sorted(
        ((model, guard) for model, guard in guards.items() if model._meta.db_table in existing),
        key=lambda pair: pair[0]._meta.db_table,
    )
    if connection_.vendor == "postgresql":
        statements = [PG_FUNCTIONS]
    elif connection_.vendor == "sqlite":
        statements = [f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id integer PRIMARY KEY)"]
    else:
        raise NotImplementedError(f"No immutability triggers for {connection_.vendor}")
    for model, guard in chosen:
        statements += guard.sql(connection_.vendor, model)
    with connection_.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return [model._meta.db_table for model, _guard in chosen]
