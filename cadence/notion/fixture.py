"""Build a Notion-style zip of zips from a folder tree: each `partN/` folder of
the tree becomes `Export-<uuid>-Part-N.zip` (holding the `Export-<uuid>/` root
with no directory entries, as Notion writes it), and the parts go into one outer zip."""

import io
import os
import zipfile
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[2] / "tests" / "cadence" / "fixtures" / "notion_export"


def build_export(tree: str | os.PathLike, target: str | os.PathLike, *, export_name="Export-5b7c2a1e-3f4d-4e6a-9b8c-0d1e2f3a4b5c") -> Path:
    tree, target = Path(tree), Path(target)
    parts = sorted((p for p in tree.iterdir() if p.is_dir() and p.name.startswith("part")), key=lambda p: int(p.name[4:] or 0))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as outer:
        for number, part in enumerate(parts, 1):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as inner:
                for path in sorted(part.rglob("*")):
                    if path.is_file():
                        inner.write(path, path.relative_to(part).as_posix())
            outer.writestr(f"{export_name}-Part-{number}.zip", buffer.getvalue())
    return target
