"""`python -m bench [module ...]`: run the benchmarks against a fresh PostgreSQL
database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/frames_bench).
BENCH_SCALE=small runs a quick version.

The database is created and migrated once; each benchmark module then starts
from its own copy of that migrated, empty database (CREATE DATABASE ... TEMPLATE),
so modules cannot trip over each other's generated rows."""

import importlib
import os
import pkgutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg


def _admin_url(url):
    return urlparse(url)._replace(path="/postgres").geturl()


def _name(url):
    return urlparse(url).path.lstrip("/")


def fresh_database(url, template=None):
    name = _name(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop_database(url, name):
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv):
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/frames_bench")
    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frames.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    os.environ.setdefault("THROTTLE_USER", "1000000/minute")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    from bench.harness import Harness

    h = Harness(scale=os.environ.get("BENCH_SCALE", "full"))
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in ("harness", "__main__"))
    template = f"{_name(url)}__migrated"
    if len(names) > 1:
        connections.close_all()
        fresh_database(url.replace(f"/{_name(url)}", f"/{template}", 1), template=_name(url))
    print(f"FRAMES benchmarks, scale={h.scale}, database={_name(url)}")
    try:
        for index, name in enumerate(names):
            if index:  # every module after the first starts from a fresh, migrated, empty copy
                connections.close_all()
                fresh_database(url, template=template)
            print(f"== {name}")
            importlib.import_module(f"bench.{name}").run(h)
    finally:
        connections.close_all()
        if len(names) > 1:
            drop_database(url, template)
    h.write()
    misses = [k for k, v in h.results.items() if v["meets"] is False]
    print(f"{len(h.results)} figures, {len(misses)} below target" + (f": {', '.join(misses)}" if misses else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
