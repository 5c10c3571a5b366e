"""CADENCE writes: the Notion import and keeping people linked to the registry."""

import logging
import os
import zoneinfo

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from cadence.models import NotionSyncMetadata, Person, SyncStatus
from cadence.notion.archive import ArchiveLimits, ArchiveRefused, NotionArchive
from cadence.notion.importer import Importer, Overrides, empty_report
from cadence.people_links import people_link_registry
from frames.jobs import current_job
from frames.locks import exclusive
from frames.models import AgentLog, AuditLog, Faculty, Student
from frames.services import agent_job, instance_save

logger = logging.getLogger(__name__)


NOTION_IMPORT_LOCK = "notion-import"


def notion_import(
    *, archive_path_or_file, user=None, dry_run=False, progress_callback=None, limits: ArchiveLimits | None = None, archive_name=None,
    tz=None, kinds=None, columns=None, wait=False,
) -> dict:
    """Import a Notion "Markdown & CSV" export. Returns the report dict
    (`tables`, `categories`, `problems`, `conflicts`, `status`, ...).

    An archive refused as unsafe writes nothing (status `refused`). A dry run
    does everything inside a transaction that is rolled back: its report is the
    preview of what the import would change. Every run (dry or not) gets a
    notion_sync_metadata row and an agent log entry.

    `tz`: the workspace's time zone (a name or tzinfo; default TIME_ZONE) for
    times the export writes without one. `kinds` {database name or id: kind} and
    `columns` {"Database.Column": role} override what the import detects; an
    applied import remembers them for the database (by its Notion id).

    One Notion import runs at a time, dry runs included (`frames.locks.exclusive`
    on "notion-import", across processes): imports of one workspace, or of two
    workspaces naming the same people, write the same rows, and a preview racing
    an import would report the other's rows as errors. A second start raises
    `frames.locks.Busy` (saying what runs since when) before anything is read or
    recorded; `wait=True` waits for the first to finish instead."""
    with exclusive(NOTION_IMPORT_LOCK, wait=wait):
        return _notion_import(
            archive_path_or_file=archive_path_or_file, user=user, dry_run=dry_run, progress_callback=progress_callback, limits=limits,
            archive_name=archive_name, tz=tz, kinds=kinds, columns=columns,
        )


def _notion_import(
    *, archive_path_or_file, user=None, dry_run=False, progress_callback=None, limits: ArchiveLimits | None = None, archive_name=None,
    tz=None, kinds=None, columns=None,
) -> dict:
    """`notion_import` once the lock is held."""
    zone = workspace_zone(tz)
    overrides = Overrides(kinds, columns)  # an unknown kind or role is refused before anything runs
    report = empty_report(dry_run)
    report["time_zone"] = str(zone)
    name = archive_name or getattr(archive_path_or_file, "name", None) or str(archive_path_or_file)

    running = current_job()  # a queued run names its job now: if its worker dies, the job's cleanup finds this row
    sync = NotionSyncMetadata.objects.create(
        sync_type="notion_export", archive_name=os.path.basename(str(name))[:500], dry_run=dry_run,
        triggered_by=user if user is not None and user.is_authenticated else None, agent_log_id=running.log.pk if running else None,
    )
    report["sync_id"] = sync.pk
    report["archive"] = sync.archive_name
    try:
        with agent_job(agent_name="import_notion", action_type="notion_import", user=user, metadata={"sync_id": sync.pk, "dry_run": dry_run}) as job:
            sync.agent_log_id = job.pk
            try:
                with NotionArchive(archive_path_or_file, limits) as archive:
                    sync.archive_sha256 = archive.sha256
                    report["parts"] = archive.parts
                    report["os_files"] = archive.os_files  # __MACOSX/, ._ twins, .DS_Store: checked, not imported
                    with transaction.atomic():
                        Importer(
                            archive, user=user, report=report, progress=progress_callback, tz=zone, overrides=overrides,
                        ).run()
                        if dry_run:
                            transaction.set_rollback(True)
            except ArchiveRefused as exc:
                report["status"] = SyncStatus.REFUSED.value
                report["refused"] = str(exc)
                report["problems"].append({"file": sync.archive_name, "reason": f"archive refused: {exc}"})
                job.error = f"Archive refused: {exc}"
                job.status = AgentLog.Status.FAILED  # nothing was imported: the agent log says failed, not succeeded
            else:
                if not import_landed(report):
                    report["status"] = SyncStatus.FAILED.value
                    report["failed"] = "the export holds no Notion page and no database row: nothing could be imported"
                    job.error = report["failed"]
                    job.status = AgentLog.Status.FAILED
                else:
                    report["status"] = SyncStatus.PARTIAL.value if report["problems"] else SyncStatus.SUCCEEDED.value
            job.message = summary(report)
            job.metadata.update({k: report[k] for k in ("status", "tables", "categories")})
            job.metadata["problems"] = len(report["problems"])
            job.metadata["conflicts"] = len(report["conflicts"])
    except Exception as exc:
        sync.status = SyncStatus.FAILED
        sync.error_details = f"{type(exc).__name__}: {exc}"
        sync.finished_at = timezone.now()
        sync.save()
        raise
    sync.status = report["status"]
    sync.records_synced = sum(t["created"] + t["updated"] for t in report["tables"].values())
    sync.errors = len(report["problems"])
    sync.error_details = "\n".join(f"{p['file']}: {p['reason']}" for p in report["problems"])[:100_000]
    sync.finished_at = timezone.now()
    sync.report = report
    sync.save()
    return report


def workspace_zone(tz):
    """A time zone from its name (`Europe/Berlin`), a tzinfo, or None (TIME_ZONE)."""
    if tz is None or tz == "":
        return timezone.get_default_timezone()
    if isinstance(tz, str):
        try:
            return zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r} (use a name such as Europe/Berlin or America/Los_Angeles)") from exc
    return tz


def import_landed(report) -> bool:
    raw = report["tables"]["cadence_raw_content"]
    return raw["created"] + raw["updated"] + raw["unchanged"] > 0


def summary(report) -> str:
    if report["status"] == SyncStatus.REFUSED:
        return f"Refused: {report.get('refused')}"
    if report["status"] == SyncStatus.FAILED:
        return f"Failed: {report.get('failed')}"
    tables = report["tables"]
    parts = [f"{t}: +{v['created']} ~{v['updated']} ={v['unchanged']} !{v['skipped']}" for t, v in tables.items()]
    head = "Dry run" if report["dry_run"] else "Imported"
    return f"{head} {report['pages']} pages. " + "; ".join(parts) + f". {len(report['problems'])} problems, {len(report['conflicts'])} conflicts."


def import_succeeded(report) -> bool:
    """The command's exit rule: the import ran and landed something (or found it all unchanged)."""
    if report["status"] in (SyncStatus.REFUSED, SyncStatus.FAILED):
        return False
    return import_landed(report)


# ---------------------------------------------------------------- people <-> registry


def people_follow_registry(change):
    """students_changed / faculty_changed subscriber: relink the people who carry
    the e-mail of a created or re-addressed record, or were linked to one, in one
    batch (the audit rows name the user who changed the record)."""
    if not change.created and "email" not in change.fields:
        return 0
    model, field = (Student, "student") if change.event == "students_changed" else (Faculty, "faculty")
    relinked = 0
    for chunk in change.chunks():
        # One query per chunk: the records' e-mails are a subquery, and only records that
        # existed before can have people linked to them already.
        emails = model._base_manager.filter(pk__in=chunk, email__isnull=False).annotate(e=Lower("email")).values("e")
        people = Q(e__in=emails)
        known = [pk for pk in chunk if pk not in change.created]
        if known:
            people |= Q(**{f"{field}_id__in": known})
        relinked += people_link_registry(people=Person.objects.annotate(e=Lower("email")).filter(people), user=change.user)
    return relinked


def person_save(*, person, user, source=AuditLog.Source.ADMIN):
    with transaction.atomic():
        instance_save(instance=person, user=user, source=source)
        people_link_registry(people=[person], user=user)
    return person
