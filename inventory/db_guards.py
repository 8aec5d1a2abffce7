"""Database triggers that keep posted data immutable, whatever writes to the database.

`QuerySet.update()`, raw SQL and admin actions bypass `save()`; these triggers do not.
A refused statement raises IntegrityError (SQLite RAISE(ABORT), PostgreSQL SQLSTATE 23514).

- ledger tables: no UPDATE, no DELETE, ever;
- document headers: a draft is free; a posted document may only become cancelled (and a
  transfer be received); a cancelled one is frozen; only drafts may be deleted;
- document lines: inserted, changed or deleted only while their document is a draft
  (transfer lines may get a received quantity until the transfer is received).
"""

from dataclasses import dataclass, field

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
    sql = []
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


def _postgres(ledgers, documents, lines) -> list[str]:
    sql = [PG_FUNCTIONS]
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
