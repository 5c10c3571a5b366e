"""Record names that read people and titles without costing a query."""


def loaded_name(instance, field, attr="name"):
    """`instance.<field>.<attr>` when the related record is already loaded (select_related, or
    the object a service was given), else the key it points to. A record's name is written
    into every audit row, so reading it must never fetch the related rows one by one; the
    admin loads them with the record (frames/base/admin.py NamedObjectMixin)."""
    descriptor = instance._meta.get_field(field)
    if descriptor.is_cached(instance):
        related = descriptor.get_cached_value(instance)
        return getattr(related, attr) if related is not None else ""
    return getattr(instance, descriptor.attname)
