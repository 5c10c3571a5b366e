"""`python -m bench [module ...]`: run the benchmarks against a fresh PostgreSQL
database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/frames_bench).
BENCH_SCALE=small runs a quick version."""

import importlib
import os
import pkgutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg


def fresh_database(url):
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


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

    call_command("migrate", verbosity=0)
    from bench.harness import Harness

    h = Harness(scale=os.environ.get("BENCH_SCALE", "full"))
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in ("harness", "__main__"))
    print(f"FRAMES benchmarks, scale={h.scale}, database={urlparse(url).path.lstrip('/')}")
    for name in names:
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").run(h)
    h.write()
    misses = [k for k, v in h.results.items() if not v["meets"]]
    print(f"{len(h.results)} figures, {len(misses)} below target" + (f": {', '.join(misses)}" if misses else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
