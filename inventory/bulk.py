"""Fast bulk writes for the posting paths that write thousands of rows per second.

`bulk_create` prepares every value of every field through the field's methods and builds
model instances; for a till batch (100 receipts, 500 lines, 500 ledger rows) that is most
of the request's time. `rows_insert` sends plain tuples: on PostgreSQL as one array per
column (INSERT ... SELECT FROM unnest(...), psycopg adapts Decimal, date, UUID and aware
datetimes itself); on SQLite (tests, demo) through the fields' own preparation, in
multi-row VALUES. Both return the new ids in row order when asked.
"""

from decimal import Decimal

import psycopg
from django.db import connection
from django.db.models import Field, ForeignObject, Lookup


def _pg_array_type(field) -> str:
    return field.db_type(connection)  # a foreign key answers with its target's type


def pg_execute_bound(sql: str, params: list) -> list[tuple]:
    """Run one statement on PostgreSQL with server-side bound parameters; the rows it returns.

    Django's cursors interpolate parameters into the SQL text client-side; a plain psycopg
    cursor on the same connection (so in the same transaction) sends the arrays as bound
    parameters instead, which saves building and parsing a statement of thousands of values.
    Django's cursor wrapper around it keeps its error classes and query logging.
    """
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # Wrapped like Django's own cursors: its error classes (IntegrityError...), execute wrappers,
    # and query capture (`django_assert_max_num_queries`, `connection.queries`) see the statement.
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def rows_insert(model, columns: list[str], rows: list[tuple], *, returning: bool = False) -> list[int]:
    """Insert `rows` (tuples in `columns` order; attnames such as "shop_id") into `model`'s table.

    No signals, no defaults, no model instances: give every column that has no database
    default. Returns the new primary keys in row order when `returning`.
    """
    if not rows:
        return []
    meta = model._meta
    fields = [meta.get_field(c) for c in columns]  # attnames ("shop_id") resolve to their fields
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    pk = connection.ops.quote_name(meta.pk.column)
    ids: list[int] = []
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{_pg_array_type(f)}[]" for f in fields)
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"
        params = [list(column) for column in zip(*rows, strict=True)]
        rows = pg_execute_bound(sql + (f" RETURNING {pk}" if returning else ""), params)
        return [row[0] for row in rows] if returning else []
    converters = [_sqlite_converter(f) for f in fields]
    with connection.cursor() as cursor:
        per_row = len(fields)
        chunk = max(1, min(500, 30000 // per_row))
        placeholder = "(" + ", ".join(["%s"] * per_row) + ")"
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params = [convert(value) for row in part for convert, value in zip(converters, row, strict=True)]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholder] * len(part))}"
            cursor.execute(sql + (f" RETURNING {pk}" if returning else ""), params)
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


# Values the sqlite3 driver (with Django's adapters: Decimal as text) stores exactly as the field would.
_SQLITE_PLAIN = frozenset({int, str, bool, float, Decimal, type(None)})


def _sqlite_converter(field):
    """How one column's values become SQLite parameters: what `get_db_prep_save` gives, without its cost.

    Dates and datetimes go through the backend's adapters (aware datetimes become naive UTC,
    as Django stores them); plain values pass as they are; anything else (enums, UUIDs, JSON)
    takes the field's own path. The demo's seed writes millions of values: the generic path
    was half of its time.
    """
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if internal == "DateField":
        return connection.ops.adapt_datefield_value
    if internal in ("JSONField", "UUIDField", "DurationField", "TimeField", "BinaryField"):
        return lambda value: field.get_db_prep_save(value, connection)

    def convert(value):
        return value if type(value) in _SQLITE_PLAIN else field.get_db_prep_save(value, connection)

    return convert


class AnyOf(Lookup):
    """`field__any=[...]`: one array parameter on PostgreSQL (`= ANY(%s)`), an IN list elsewhere.

    A posting path filters on hundreds of keys per statement; as an IN list each key is a
    placeholder that the driver parses on every call, which costs more than the query.
    """

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.lhs.output_field.get_db_prep_value(v, connection) for v in self.rhs]
        if not values:
            return "1 = 0", list(lhs_params)
        if connection.vendor == "postgresql":
            # Typed like the column: an untyped array of ints may arrive as numeric[] and miss the index.
            return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)


def tables_analyze(*models) -> None:
    """Refresh the planner's statistics of tables just bulk-loaded (PostgreSQL; a no-op on SQLite).

    Autovacuum gets there in a minute; a report or export started right after a bulk load
    (the demo, a benchmark, an import of 20,000 products) should not meet a planner that
    still thinks the tables are empty.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
