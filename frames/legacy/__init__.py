"""Bringing the old shared database into FRAMES (`manage.py import_legacy`).

`spec.py` is what each app declares (`<app>/legacy.py`: `TABLES`), `engine.py` runs the
import, `source.py` reads the old database, `values.py` converts its values,
`report.py` counts every row's fate, `docs.py` renders docs/legacy.md's mapping tables.
The registry's own tables are declared in `registry.py`.
"""


def __getattr__(name):
    # The engine discovers `<app>.legacy.TABLES` for every app; for frames that is the
    # registry's declarations (imported lazily: they need the models loaded).
    if name == "TABLES":
        from frames.legacy.registry import TABLES  # lazy: the declarations need the models loaded

        return TABLES
    raise AttributeError(name)
