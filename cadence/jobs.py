"""CADENCE's job kinds (frames/jobs.py): the Notion import, run by a worker."""

import os

from django.conf import settings

from cadence.models import NotionSyncMetadata, SyncStatus
from cadence.services import import_succeeded, notion_import
from frames.jobs import inline, register

NOTION_FILES = "notion"  # under JOBS_FILES_DIR: uploads the admin hands to a worker


def notion_files_dir() -> str:
    path = os.path.join(settings.JOBS_FILES_DIR, NOTION_FILES)
    os.makedirs(path, exist_ok=True)
    return path


def notion_job_args(*, path, archive_name, tz=None, kinds=None, columns=None, delete_after=False) -> dict:
    """The JSON arguments of an import_notion job (column choices keyed by (database, column) become triples)."""
    return {
        "path": os.fspath(path), "archive_name": archive_name, "tz": tz or "", "kinds": dict(kinds or {}),
        "columns": [[*key, role] if isinstance(key, tuple) else [key, role] for key, role in (columns or {}).items()],
        "delete_after": delete_after,
    }


def notion_import_abandoned(log, reason):
    """A Notion import whose worker died: its notion_sync_metadata row, written before the
    import's own transaction (which died with the worker, keeping nothing), would say "running"
    forever. It failed, with the reason."""
    from django.utils import timezone


    NotionSyncMetadata.objects.filter(agent_log_id=log.pk, status=SyncStatus.RUNNING).update(
        status=SyncStatus.FAILED, error_details=reason, finished_at=timezone.now(),
    )


@register("import_notion", action_type="notion_import", label="Notion import", on_abandoned=notion_import_abandoned)
def import_notion(ctx, args):
    """Apply a Notion export. The import is one transaction and idempotent (keyed by Notion page
    ids), so a run cut short by a dead worker and run again gives the same records as one run.
    The uploaded file is removed once the import has landed; a failed run keeps it for a retry."""
    path = args["path"]
    if not os.path.isfile(path):
        raise FileNotFoundError(f"The export {args.get('archive_name') or path} is no longer at {path}: upload it again.")
    columns = {tuple(c[:-1]) if len(c) > 2 else c[0]: c[-1] for c in args.get("columns") or []}
    ctx.progress(0, message="Waiting for any other Notion import to finish…")
    report = notion_import(
        archive_path_or_file=path, user=ctx.user, archive_name=args.get("archive_name") or os.path.basename(path), tz=args.get("tz") or None,
        kinds=args.get("kinds") or {}, columns=columns, wait=not inline(),
        progress_callback=lambda done, total: ctx.progress(done, total, "pages imported"),
    )
    if import_succeeded(report) and args.get("delete_after"):
        os.unlink(path)
    return report
