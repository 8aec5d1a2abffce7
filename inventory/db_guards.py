"""Database triggers that keep posted data immutable, whatever writes to the database.

`QuerySet.update()`, raw SQL and admin actions bypass `save()`; these triggers do not.
A refused statement raises IntegrityError (SQLite RAISE(ABORT), PostgreSQL SQLSTATE 23514).

- ledger tables: no UPDATE, no DELETE, ever;
- document headers: a draft is free; a posted document may only become cancelled (and a
  transfer be received); a cancelled one is frozen; only drafts may be deleted; the status
  changes only while the posting marker is set (see `posting_marker`);
- document lines: inserted, changed or deleted only while their document is a draft
  (transfer lines may get a received quantity until the transfer is received);
- posted rows (receipts, their lines and payments, prices): changed only under the posting
  marker, never deleted;
- closed rows (a closed shift and its Z-report figures): never changed or deleted;
- every guarded table refuses TRUNCATE on PostgreSQL (a statement trigger); SQLite has no
  TRUNCATE, and its `DELETE FROM t` fires the row triggers.

The posting marker is transaction-local: PostgreSQL `set_config('retail.posting', 'on', true)`;
on SQLite a row in `retail_posting_marker`, which only the writing transaction can see
(SQLite has one writer at a time) and which is gone at its end. Only the posting services
set it, around the statements that change what is posted, so `UPDATE ... SET status =
'cancelled'` typed in SQL is refused and leaves the ledger true.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

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


@dataclass
class DocumentGuard:
    table: str
    columns: list[str]  # every column of the table
    allowed_after_posting: tuple[str, ...] = DOCUMENT_ALWAYS_ALLOWED


@dataclass
class LineGuard:
    table: str
    parent_table: str
    columns: list[str]
    # columns that may change while the parent is posted, and the parent column that must be NULL then
    editable_while_posted: tuple[str, ...] = ()
    open_while_null: str | None = None
    extra: dict = field(default_factory=dict)


def _sqlite(ledgers, documents, lines) -> list[str]:
    sql = [f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id integer PRIMARY KEY)"]
    for table in ledgers:
        for op in ("UPDATE", "DELETE"):
            sql.append(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: ledger rows are immutable'); END;"
            )
    for doc in documents:
        frozen = [c for c in doc.columns if c not in doc.allowed_after_posting]
        unchanged = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in frozen)
        sql.append(
            f"CREATE TRIGGER {doc.table}_guard_delete BEFORE DELETE ON {doc.table} WHEN OLD.status <> 'draft' "
            f"BEGIN SELECT RAISE(ABORT, '{doc.table}: only a draft can be deleted'); END;"
        )
        sql.append(
            f"CREATE TRIGGER {doc.table}_guard_update BEFORE UPDATE ON {doc.table} WHEN OLD.status <> 'draft' AND "
            f"(OLD.status = 'cancelled' OR NEW.status NOT IN ('posted', 'cancelled') OR NOT ({unchanged})) "
            f"BEGIN SELECT RAISE(ABORT, '{doc.table}: a posted document cannot be changed'); END;"
        )
    for doc in documents:
        sql.append(_sqlite_status_guard(doc.table))
    for line in lines:
        parent_status = f"(SELECT status FROM {line.parent_table} WHERE id = {{ref}}.document_id)"
        refuse = f"BEGIN SELECT RAISE(ABORT, '{line.table}: lines of a posted document cannot be changed'); END;"
        sql.append(
            f"CREATE TRIGGER {line.table}_guard_insert BEFORE INSERT ON {line.table} "
            f"WHEN {parent_status.format(ref='NEW')} <> 'draft' {refuse}"
        )
        sql.append(
            f"CREATE TRIGGER {line.table}_guard_delete BEFORE DELETE ON {line.table} "
            f"WHEN {parent_status.format(ref='OLD')} <> 'draft' {refuse}"
        )
        condition = f"{parent_status.format(ref='OLD')} <> 'draft'"
        if line.editable_while_posted:
            frozen = [c for c in line.columns if c not in line.editable_while_posted]
            unchanged = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in frozen)
            still_open = f"(SELECT {line.open_while_null} FROM {line.parent_table} WHERE id = OLD.document_id) IS NULL"
            posted = f"(SELECT status FROM {line.parent_table} WHERE id = OLD.document_id) = 'posted'"
            condition += f" AND NOT ({posted} AND {still_open} AND {unchanged})"
        sql.append(f"CREATE TRIGGER {line.table}_guard_update BEFORE UPDATE ON {line.table} WHEN {condition} {refuse}")
    return sql


SQLITE_NO_MARKER = f"NOT EXISTS (SELECT 1 FROM {MARKER_TABLE})"


def _sqlite_status_guard(table: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_guard_status BEFORE UPDATE OF status ON {table} "
        f"WHEN NEW.status IS NOT OLD.status AND {SQLITE_NO_MARKER} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: a status changes only through its posting service'); END;"
    )


def _sqlite_rows(posted, closed) -> list[str]:
    sql = []
    for table in posted:
        sql.append(
            f"CREATE TRIGGER {table}_guard_update BEFORE UPDATE ON {table} WHEN {SQLITE_NO_MARKER} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: posted rows change only through their posting service'); END;"
        )
        sql.append(
            f"CREATE TRIGGER {table}_guard_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: posted rows cannot be deleted'); END;"
        )
    for table, column in closed:
        for op in ("UPDATE", "DELETE"):
            sql.append(
                f"CREATE TRIGGER {table}_guard_closed_{op.lower()} BEFORE {op} ON {table} "
                f"WHEN OLD.{column} IS NOT NULL "
                f"BEGIN SELECT RAISE(ABORT, '{table}: a closed row cannot be changed'); END;"
            )
    return sql


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

-- TG_ARGV: parent table, the parent column that must be NULL for edits while posted,
-- then the line columns editable while posted.
CREATE OR REPLACE FUNCTION retail_guard_line() RETURNS trigger AS $$
DECLARE
  doc_id bigint;
  parent_status text;
  parent_open boolean;
BEGIN
  IF TG_OP = 'DELETE' THEN doc_id := OLD.document_id; ELSE doc_id := NEW.document_id; END IF;
  EXECUTE format('SELECT status FROM %I WHERE id = $1', TG_ARGV[0]) INTO parent_status USING doc_id;
  IF parent_status IS NULL OR parent_status = 'draft' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND parent_status = 'posted' AND TG_ARGV[1] <> '' THEN
    EXECUTE format('SELECT %I IS NULL FROM %I WHERE id = $1', TG_ARGV[1], TG_ARGV[0]) INTO parent_open USING doc_id;
    IF parent_open AND (to_jsonb(NEW) - TG_ARGV[2:]) = (to_jsonb(OLD) - TG_ARGV[2:]) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION '%: lines of a posted document cannot be changed', TG_TABLE_NAME USING ERRCODE = '23514';
END $$ LANGUAGE plpgsql;
"""


PG_ROW_FUNCTIONS = r"""
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


def _pg_truncate(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}; "
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION retail_refuse_truncate();"
    )


def _postgres_rows(posted, closed) -> list[str]:
    sql = [PG_ROW_FUNCTIONS, *(_pg_truncate(t) for t in [*posted, *(table for table, _c in closed)])]
    for table in posted:
        sql.append(
            f"CREATE TRIGGER {table}_guard_posted BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION retail_guard_posted_row();"
        )
    for table, column in closed:
        sql.append(
            f"CREATE TRIGGER {table}_guard_closed BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION retail_guard_closed_row('{column}');"
        )
    return sql


def _postgres(ledgers, documents, lines) -> list[str]:
    sql = [PG_FUNCTIONS, PG_ROW_FUNCTIONS]
    sql += [_pg_truncate(t) for t in [*ledgers, *(d.table for d in documents), *(line.table for line in lines)]]
    for table in ledgers:
        sql.append(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION retail_refuse_ledger_change();"
        )
    for doc in documents:
        args = ", ".join(f"'{c}'" for c in doc.allowed_after_posting)
        sql.append(
            f"CREATE TRIGGER {doc.table}_guard BEFORE UPDATE OR DELETE ON {doc.table} "
            f"FOR EACH ROW EXECUTE FUNCTION retail_guard_document({args});"
        )
    for line in lines:
        args = ", ".join(f"'{a}'" for a in (line.parent_table, line.open_while_null or "", *line.editable_while_posted))
        sql.append(
            f"CREATE TRIGGER {line.table}_guard BEFORE INSERT OR UPDATE OR DELETE ON {line.table} "
            f"FOR EACH ROW EXECUTE FUNCTION retail_guard_line({args});"
        )
    return sql


def guards_sql(vendor: str, *, ledgers, documents, lines) -> list[str]:
    if vendor == "postgresql":
        return _postgres(ledgers, documents, lines)
    if vendor == "sqlite":
        return _sqlite(ledgers, documents, lines)
    raise NotImplementedError(f"No immutability triggers for {vendor}")


def rows_guards_sql(vendor: str, *, posted, closed) -> list[str]:
    """Guards for posted rows (changed under the marker only, never deleted) and closed rows."""
    if vendor == "postgresql":
        return _postgres_rows(posted, closed)
    if vendor == "sqlite":
        return _sqlite_rows(posted, closed)
    raise NotImplementedError(f"No immutability triggers for {vendor}")


def marker_and_status_sql(vendor: str, *, documents: list[str], truncate: list[str]) -> list[str]:
    """The marker (SQLite's table; PostgreSQL's function checks its setting), status guards, TRUNCATE guards."""
    if vendor == "postgresql":
        return [PG_FUNCTIONS, PG_ROW_FUNCTIONS, *(_pg_truncate(t) for t in truncate)]
    if vendor == "sqlite":
        return [f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id integer PRIMARY KEY)"] + [
            _sqlite_status_guard(t) for t in documents
        ]
    raise NotImplementedError(f"No immutability triggers for {vendor}")


def columns_of(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def install(apps, schema_editor, *, ledgers, documents, lines) -> None:
    """For migrations: `ledgers` are model names; `documents` (name, extra allowed columns);
    `lines` (name, parent name, editable columns, parent column that must be NULL)."""
    get = lambda name: apps.get_model("inventory", name)  # noqa: E731
    spec_ledgers = [get(name)._meta.db_table for name in ledgers]
    spec_documents = [
        DocumentGuard(get(name)._meta.db_table, columns_of(get(name)), DOCUMENT_ALWAYS_ALLOWED + tuple(extra))
        for name, extra in documents
    ]
    spec_lines = [
        LineGuard(
            get(name)._meta.db_table, get(parent)._meta.db_table, columns_of(get(name)), tuple(editable), open_col
        )
        for name, parent, editable, open_col in lines
    ]
    for statement in guards_sql(
        schema_editor.connection.vendor, ledgers=spec_ledgers, documents=spec_documents, lines=spec_lines
    ):
        schema_editor.execute(statement, params=None)


def _table(apps, label: str) -> str:
    return apps.get_model(*label.split(".", 1))._meta.db_table


def install_rows(apps, schema_editor, *, posted=(), closed=()) -> None:
    """For migrations: `posted` are "app.Model" labels; `closed` ("app.Model", column) pairs."""
    for statement in rows_guards_sql(
        schema_editor.connection.vendor,
        posted=[_table(apps, label) for label in posted],
        closed=[(_table(apps, label), column) for label, column in closed],
    ):
        schema_editor.execute(statement, params=None)


def install_marker(apps, schema_editor, *, documents=(), truncate=()) -> None:
    """For migrations: the posting marker and status guards of `documents`, TRUNCATE guards of `truncate`."""
    for statement in marker_and_status_sql(
        schema_editor.connection.vendor,
        documents=[_table(apps, label) for label in documents],
        truncate=[_table(apps, label) for label in truncate],
    ):
        schema_editor.execute(statement, params=None)


# --- ledgers from the registry ---------------------------------------------------------------------


def ledger_guards_sql(vendor: str, tables: list[str]) -> list[str]:
    """Idempotent triggers that make ledger tables append-only (no UPDATE, DELETE or TRUNCATE)."""
    if vendor == "postgresql":
        sql = [PG_FUNCTIONS, PG_ROW_FUNCTIONS]
        for table in tables:
            sql.append(_pg_truncate(table))
            sql.append(
                f"CREATE OR REPLACE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION retail_refuse_ledger_change();"
            )
        return sql
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: ledger rows are immutable'); END;"
            for table in tables
            for op in ("UPDATE", "DELETE")
        ]
    raise NotImplementedError(f"No immutability triggers for {vendor}")


def ledgers_install(connection_, ledgers) -> list[str]:
    """Install the guards of every given ledger's entry table that exists; the tables guarded.

    Runs after every `migrate` (inventory's post_migrate) over the ledger registry: a new
    ledger gets its triggers without a migration of its own, and a SQLite migration that
    rebuilt a ledger table gets them back.
    """
    existing = set(connection_.introspection.table_names())
    tables = [ledger.entry_model._meta.db_table for ledger in ledgers]
    tables = [t for t in tables if t in existing]
    if tables:
        with connection_.cursor() as cursor:
            for statement in ledger_guards_sql(connection_.vendor, tables):
                cursor.execute(statement)
    return tables
