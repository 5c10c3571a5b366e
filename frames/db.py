"""Bulk writes PostgreSQL takes fastest: COPY.

`bulk_create` on PostgreSQL sends each column as an array parameter, which psycopg escapes
in Python, element by element (slow for text full of quotes and backslashes, such as JSON),
and it reads back every column that has a database default. COPY's rows are formatted by
psycopg's C code and nothing comes back. COPY cannot hand back generated keys, so they are
taken from the table's own sequence first (one query), and later INSERTs never collide
with them.

- `copy_insert(model, fields, rows)`: rows as value tuples (no model instances: for many
  rows, building them costs more than writing them); returns the new keys.
- `copy_rows(model, fields, rows)`: the COPY itself, values already as the database takes them;
  every COPY writer of the project goes through it (one cursor idiom, Django's error wrapping).
- `copy_create(model, objs)`: model instances whose keys are already set (imports, legacy import).

Other databases get `bulk_create` (`copy_supported` says which)."""

import datetime
import json

from django.db import DEFAULT_DB_ALIAS, connections, models


def copy_supported(using=DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


def copy_rows(model, fields, rows, *, using=DEFAULT_DB_ALIAS):
    """COPY `rows` (tuples of values as the database takes them: text, numbers, aware
    datetimes, dates, JSON as its text) into the model's table, in the order of `fields`
    (attribute names). Errors come as Django's database exceptions, as a query's would."""
    connection = connections[using]
    opts = model._meta
    columns = ", ".join(connection.ops.quote_name(opts.get_field(name).column) for name in fields)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def copy_insert(model, fields, rows, *, keys=True, using=DEFAULT_DB_ALIAS):
    """INSERT rows given as value tuples in the order of `fields` (attribute names, without the
    primary key; values as the model's fields take them) and return their primary keys, in
    order (`keys=False`: the database numbers the rows, nothing is returned). COPY on
    PostgreSQL, with the keys reserved from the sequence first; bulk_create elsewhere. Skips
    model instances altogether: for many rows, building them costs more than writing them."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return []
    opts = model._meta
    chosen = [opts.get_field(name) for name in fields]
    if not copy_supported(using):
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.using(using).bulk_create(objs, batch_size=1000)
        return [obj.pk for obj in objs] if keys else []
    connection = connections[using]
    prepared = _prepared(rows, chosen, connection)
    if not keys:
        copy_rows(model, fields, prepared, using=using)
        return []
    pks = reserve_keys(model, len(rows), using=using)
    copy_rows(model, [opts.pk.attname, *fields], ([pk, *row] for pk, row in zip(pks, prepared, strict=True)), using=using)
    return pks


def reserve_keys(model, n, *, using=DEFAULT_DB_ALIAS) -> list:
    """`n` primary keys taken from the table's own sequence (for rows COPY writes:
    later INSERTs never collide with them)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column, n],
        )
        return [value for (value,) in cursor.fetchall()]


def _prepared(rows, fields, connection):
    """The rows with each value as COPY takes it. psycopg formats text (str subclasses such
    as choices too), numbers, booleans, dates and aware datetimes itself; JSON goes as its
    text (what the Jsonb adapter would send), anything else through the field's
    get_db_prep_save. Only the columns that need it are touched."""
    converters = [(index, _converter(field, connection)) for index, field in enumerate(fields)]
    converters = [(index, convert) for index, convert in converters if convert is not None]
    if not converters:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for index, convert in converters:
            if row[index] is not None:
                row[index] = convert(row[index])
        out.append(row)
    return out


def _converter(field, connection):
    target = field.target_field if field.is_relation and field.many_to_one else field
    if isinstance(target, models.JSONField):
        dumps, prep = json.dumps, field.get_db_prep_save

        def as_json(value):
            if isinstance(value, (dict, list, str, int, float, bool)):
                return dumps(value, cls=target.encoder)
            return prep(value, connection)  # an expression or a wrapped value: as Django would write it

        return as_json
    if isinstance(target, models.DateTimeField):
        return lambda value: value if type(value) is datetime.datetime and value.tzinfo is not None else field.get_db_prep_save(value, connection)
    if isinstance(target, (models.CharField, models.TextField, models.IntegerField, models.AutoField, models.BooleanField, models.DateField)):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _plain_types(field):
    """Python types a field writes unchanged (empty: always convert)."""
    target = field.target_field if field.is_relation and field.many_to_one else field
    kind = type(target)
    if kind in (models.CharField, models.TextField, models.EmailField, models.SlugField):
        return (str,)
    if kind in (models.IntegerField, models.SmallIntegerField, models.BigIntegerField, models.PositiveIntegerField,
                models.PositiveSmallIntegerField, models.PositiveBigIntegerField, models.AutoField, models.BigAutoField):
        return (int,)
    if kind is models.BooleanField:
        return (bool,)
    return ()


def copy_create(model, objs, *, using=DEFAULT_DB_ALIAS) -> bool:
    """INSERT new records with COPY (what bulk_create would write, several times faster),
    when every record already has its primary key (the registry's string ids, or keys
    reserved from the sequence): COPY cannot hand back generated keys. Values go through
    each field's pre_save/get_db_prep_save as bulk_create's do. Returns False when it
    cannot (another database, generated keys, database defaults); the caller then uses
    bulk_create."""
    if not copy_supported(using):
        return False
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]
    # Plain text, number and boolean values need no conversion (get_db_prep_save returns them as they are).
    plain = [_plain_types(f) for f in fields]
    # JSON goes as its text (what the Jsonb adapter would send, without building one per value).
    as_json = [isinstance(f, models.JSONField) for f in fields]
    # Aware datetimes go as they are (get_db_prep_save only checks them; naive ones it converts).
    moments = [isinstance(f, models.DateTimeField) for f in fields]
    rows = []
    for obj in objs:
        if obj.pk is None:
            return False
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for f, types, json_text, moment in zip(fields, plain, as_json, moments, strict=True):
            value = f.pre_save(obj, True)
            if value is None or type(value) in types:
                row.append(value)
                continue
            if json_text and isinstance(value, (dict, list, str, int, float, bool)):
                row.append(json.dumps(value, cls=f.encoder))
                continue
            if moment and type(value) is datetime.datetime and value.tzinfo is not None:
                row.append(value)
                continue
            if hasattr(value, "resolve_expression"):
                return False  # a database default or expression: leave it to bulk_create
            row.append(f.get_db_prep_save(value, connection))
        rows.append(row)
    copy_rows(model, [f.attname for f in fields], rows, using=using)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return True
