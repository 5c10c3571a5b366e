"""Module version history: a snapshot at each publish and the differences between two."""

import difflib

from django.db import transaction

from basecamp.models import ModuleVersionHistory
from frames.models import AuditLog
from frames.services import instance_save, snapshot

VOLATILE = {"updated_at"}


def module_spec(module) -> dict:
    sections = [{k: v for k, v in snapshot(s).items() if k not in VOLATILE and k != "module_id"}
                for s in module.sections.order_by("section_number")]
    return {"module": {k: v for k, v in snapshot(module).items() if k not in VOLATILE}, "sections": sections}


def version_record(*, module, user=None, note="") -> ModuleVersionHistory:
    """Snapshot a module and its sections at publish time: who, when and why."""
    with transaction.atomic():
        numbers = [int(v) for v in ModuleVersionHistory.objects.filter(module=module).values_list("version_number", flat=True) if v.isdigit()]
        version = ModuleVersionHistory(
            module=module, version_number=str(max(numbers, default=0) + 1), spec_json=module_spec(module),
            change_description=note or "Published.", created_by=user.get_username() if user is not None and user.is_authenticated else "system",
            created_by_user=user if user is not None and user.is_authenticated else None,
        )
        instance_save(instance=version, user=user, source=AuditLog.Source.SYSTEM)
    return version


def _field_changes(before, after, skip=()):
    changes = []
    for key in sorted(set(before) | set(after)):
        if key in skip or before.get(key) == after.get(key):
            continue
        old, new = before.get(key), after.get(key)
        change = {"field": key, "before": old, "after": new}
        if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new or len(old) + len(new) > 120):
            change["diff"] = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "before", "after", lineterm="", n=1))
        changes.append(change)
    return changes


def spec_diff(old: dict, new: dict) -> dict:
    """What changed between two snapshots: module fields, and sections added,
    removed or changed (matched by section number)."""
    old_sections = {s["section_number"]: s for s in old.get("sections", [])}
    new_sections = {s["section_number"]: s for s in new.get("sections", [])}
    sections = []
    for number in sorted(set(old_sections) | set(new_sections)):
        a, b = old_sections.get(number), new_sections.get(number)
        if a is None:
            sections.append({"section": number, "change": "added", "title": b.get("title", ""), "fields": []})
        elif b is None:
            sections.append({"section": number, "change": "removed", "title": a.get("title", ""), "fields": []})
        else:
            fields = _field_changes(a, b, skip={"id"})
            if fields:
                sections.append({"section": number, "change": "changed", "title": b.get("title", ""), "fields": fields})
    return {"module": _field_changes(old.get("module", {}), new.get("module", {}), skip={"published_at"}), "sections": sections}
