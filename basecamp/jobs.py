"""Basecamp's job kinds (frames/jobs.py): calibration, ghost building, competency refresh and
bulk re-assessment of data entries. Each is a recomputation: run twice, it gives what one run gives."""

import datetime

from django.core.exceptions import ValidationError

from basecamp.models import DataEntry, SubsystemCompetency
from basecamp.services import calibrate_modules as calibrate
from basecamp.services import competency_refresh, entries_assess, ghost_build
from frames.jobs import register
from frames.models import University
from frames.scoping import scope_queryset
from lms.models import Module


@register("calibrate_modules", action_type="calibration", label="module calibration", lock="calibrate_modules")
def calibrate_modules(ctx, args):
    modules = list(Module.objects.filter(module_id__in=args["modules"])) if args.get("modules") else None
    ctx.progress(0, 1, "Calibrating modules…")
    rows = calibrate(modules=modules, user=ctx.user)
    ctx.progress(1, 1)
    return {"calibrated": len(rows), "flagged": sorted(r.module.module_id for r in rows if r.flagged)}


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


@register("build_ghosts", action_type="ghost_build", label="ghost building", lock="build_ghosts")
def build_ghosts(ctx, args):
    """One ghost per module from its completed attempts (all published modules by default); a
    module with too few attempts is skipped and named in the report."""
    modules = Module.objects.filter(module_id__in=args["modules"]) if args.get("modules") else Module.objects.filter(status="published")
    modules = list(modules.order_by("module_id"))
    university = University.objects.filter(pk=args["university"]).first() if args.get("university") else None
    built, skipped = [], {}
    for done, module in enumerate(modules):
        ctx.progress(done, len(modules), module.module_id)
        try:
            ghost = ghost_build(module=module, cohort_name=args.get("name") or None, semester=args.get("semester") or "", university=university,
                                completed_after=_date(args.get("completed_after")), completed_before=_date(args.get("completed_before")),
                                min_members=int(args.get("min_members") or 3), user=ctx.user)
        except ValidationError as exc:
            skipped[module.module_id] = "; ".join(exc.messages)
            continue
        built.append({"module": module.module_id, "cohort": ghost.cohort_name, "members": ghost.member_count})
    ctx.progress(len(modules), len(modules))
    ctx.log.message = f"Built {len(built)} ghost cohort(s); skipped {len(skipped)} module(s)."
    return {"built": built, "skipped": skipped}


@register("refresh_competencies", action_type="competency_refresh", label="competency refresh", lock="refresh_competencies")
def refresh_competencies(ctx, args):
    """Recompute every subsystem competency from completed modules and proficient skills."""
    rows = list(SubsystemCompetency.objects.select_related("student").order_by("pk"))
    changed = 0
    for done, row in enumerate(rows):
        ctx.progress(done, len(rows))
        before = row.competency_level
        after = competency_refresh(student=row.student, subsystem=row.subsystem, user=ctx.user)
        changed += after.competency_level != before
    ctx.progress(len(rows), len(rows))
    ctx.log.message = f"Refreshed {len(rows)} competencies; {changed} changed level."
    return {"refreshed": len(rows), "changed": changed}


@register("reassess_entries", action_type="assessment", label="re-assessment")
def reassess_entries(ctx, args):
    """Re-run the skills assessor over data entries (by id), in batches, each batch one
    all-or-nothing run; reviewed and corrected assessments stay as the teacher left them."""
    ids = list(args.get("entries") or [])
    entries = scope_queryset(DataEntry.objects.filter(pk__in=ids), ctx.user) if ctx.user else DataEntry.objects.filter(pk__in=ids)
    entries = list(entries.order_by("pk"))
    totals, batch = {}, 200
    for start in range(0, len(entries), batch):
        ctx.progress(start, len(entries), f"{start} of {len(entries)} entries")
        for key, value in entries_assess(entries=entries[start:start + batch], user=ctx.user).items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    ctx.progress(len(entries), len(entries))
    ctx.log.message = f"Re-assessed {len(entries)} entries: " + ", ".join(f"{v} {k}" for k, v in totals.items()) + "."
    return {"entries": len(entries), **totals}
