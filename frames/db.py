"""Bulk writes PostgreSQL takes fastest: COPY.

`bulk_create` on PostgreSQL sends each column as an array parameter, which psycopg escapes
in Python, element by element (slow for text full of quotes and backslashes, such as JSON),
and it reads back every column that has a database default. COPY's rows are formatted by
psycopg's C code and nothing comes back. COPY cannot hand back generated keys, so they are
taken from the table's own sequence first (one query), and later INSERTs never collide
with them.

- `copy_insert(model, fields, rows)`: rows as value tuples (no model instances: for many
  rows, building them costs more than writing them); returns the new keys.
- `copy_create(model, objs)`: model instances, as bulk_create takes them.
- `copy_rows(model, fields, rows)`: the COPY itself, values already as the database takes them.

Other databases get `bulk_create` (`copy_supported` says which)."""

import datetime
import json

from django.db import DEFAULT_DB_ALIAS, connections, models


def copy_supported(using=DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


def reserve_keys(model, objs, *, using=DEFAULT_DB_ALIAS):
    """Give each object without a primary key one taken from the table's sequence (one query)."""
    missing = [obj for obj in objs if obj.pk is None]
    if missing and isinstance(model._meta.pk, models.AutoField):  # BigAutoField and SmallAutoField are AutoFields
        for obj, pk in zip(missing, _next_keys(model, len(missing), using=using), strict=True):
            obj.pk = pk


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
    kinds = [_kind(field) for field in chosen]
    prepared = [_prepared(row, chosen, kinds, connection) for row in rows]
    if not keys:
        copy_rows(model, fields, prepared, using=using)
        return []
    pks = _next_keys(model, len(rows), using=using)
    copy_rows(model, [opts.pk.attname, *fields], ([pk, *row] for pk, row in zip(pks, prepared, strict=True)), using=using)
    return pks


def copy_create(model, objs, *, keys=True, using=DEFAULT_DB_ALIAS):
    """INSERT new model instances with COPY (bulk_create elsewhere): keys reserved from the
    sequence and set on the instances (`keys=False`: the database numbers the rows and the
    instances are left without their keys, for append-only rows nobody reads back). Every
    concrete field is written as the instance holds it (no `pre_save`: `auto_now` is not
    refreshed); a database default or expression in a value sends the batch to bulk_create."""
    if not objs:
        return objs
    if not copy_supported(using):
        return model.objects.using(using).bulk_create(objs, batch_size=1000)
    opts = model._meta
    chosen = [f for f in opts.concrete_fields if not f.generated and not f.primary_key]
    attnames = [f.attname for f in chosen]
    rows = []
    for obj in objs:
        row = [getattr(obj, attname) for attname in attnames]
        if any(hasattr(value, "resolve_expression") for value in row):
            return model.objects.using(using).bulk_create(objs, batch_size=1000)
        rows.append(row)
    if keys:
        reserve_keys(model, objs, using=using)
        attnames = [opts.pk.attname, *attnames]
        rows = [[obj.pk, *row] for obj, row in zip(objs, rows, strict=True)]
    copy_insert(model, attnames, rows, keys=False, using=using)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs


def _next_keys(model, n, *, using=DEFAULT_DB_ALIAS):
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column, n],
        )
        return [value for (value,) in cursor.fetchall()]


def _prepared(row, fields, kinds, connection):
    out = []
    for value, field, (plain, as_json) in zip(row, fields, kinds, strict=True):
        if value is None or type(value) in plain:
            out.append(value)
        elif as_json and isinstance(value, (dict, list, str, int, float, bool)):
            out.append(json.dumps(value, cls=field.encoder))  # the text the Jsonb adapter would send
        elif type(value) is datetime.datetime and value.tzinfo is not None and isinstance(field, models.DateTimeField):
            out.append(value)  # aware: what get_db_prep_save would return after checking it
        else:
            out.append(field.get_db_prep_save(value, connection))
    return out


def _kind(field):
    """(types a value of the field is written as it is, whether it is JSON)."""
    target = field.target_field if field.is_relation and field.many_to_one else field
    if isinstance(target, models.JSONField):
        return (), True
    if isinstance(target, models.DateTimeField):
        return (), False  # aware ones go as they are, naive ones through get_db_prep_save (which converts them)
    if isinstance(target, (models.CharField, models.TextField)):
        return (str,), False
    if isinstance(target, (models.IntegerField, models.AutoField)):
        return (int,), False
    if isinstance(target, models.BooleanField):
        return (bool,), False
    if isinstance(target, models.DateField):
        return (datetime.date,), False
    return (), False
