"""Domain events: how a write to the registry reaches the apps that react to it.

A service that writes registry records (students, teams, faculty, programs) calls
the event explicitly, e.g. ``students_changed(students=[...], fields={"team"},
user=request.user, source=AuditLog.Source.API)``. Nothing is delivered until the
transaction commits; every call of one event by one user and source within a
transaction is merged into one batch, so a 10,000-row import or an admin action on
50 records reaches each subscriber once, with every record. A rolled-back write
(a refused import, a dry run) delivers nothing.

Subscribers connect in their app's ``ready()`` (``students_changed.subscribe(fn,
dispatch_uid=...)``) and receive one ``Change``. They react set-wise (a few
queries per batch, not per record) and idempotently: a reaction re-derives its
state from the database, so a merged batch that names more fields than one record
changed costs a little work, never a wrong result. The subscribers run after the
write has committed, together in one transaction (one commit for all their rows),
each in its own savepoint: one that fails is logged, its work alone is rolled back,
and it does not undo the write or stop the others.

docs/architecture.md ("Domain events") lists the events, payloads and subscribers.
"""

import logging
import threading
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)

IN_CHUNK = 5000  # ids per `IN (...)` lookup a subscriber makes


@dataclass(frozen=True)
class Change:
    """One delivered batch.

    ids:     primary keys of the records written (created or updated);
    created: those among `ids` that are new;
    fields:  names of the model fields written: for updates the fields that changed,
             for new records every field given (the union over the batch);
    user:    who acted (None for a system job or command run without a user);
    source:  the AuditLog source of the write (admin, api, import, command, legacy ...).
    Subscribers write their audit rows with `user`."""

    event: str
    ids: frozenset
    created: frozenset
    fields: frozenset
    user: object
    source: str

    def chunks(self, size=IN_CHUNK):
        """`ids` in sorted slices small enough for one `IN (...)` lookup each."""
        ordered = sorted(self.ids)
        for start in range(0, len(ordered), size):
            yield ordered[start:start + size]


class Event:
    """A named event about one registry model; call it to send, `subscribe` to react."""

    def __init__(self, name: str, *, records: str, model: str, doc: str):
        self.name = name
        self.records = records  # the keyword that carries the records: students=[...]
        self.model = model  # app_label.ModelName of the records
        self.__doc__ = doc
        self._subscribers: dict[str, object] = {}

    def __repr__(self):
        return f"<Event {self.name}>"

    def subscribe(self, handler, *, dispatch_uid: str):
        """Connect `handler(change: Change)`; connecting the same uid again replaces it."""
        self._subscribers[dispatch_uid] = handler

    def unsubscribe(self, dispatch_uid: str):
        self._subscribers.pop(dispatch_uid, None)

    @property
    def subscribers(self) -> dict:
        return dict(self._subscribers)

    def __call__(self, *, user=None, source, fields=(), created=(), **records):
        if set(records) != {self.records}:
            raise TypeError(f"{self.name}() takes the records as {self.records}=[...], got {sorted(records)}")
        ids = {getattr(r, "pk", r) for r in records[self.records]}
        if not ids:
            return
        created = {getattr(r, "pk", r) for r in created} & ids
        _queue(self, ids=ids, created=created, fields=set(fields), user=user, source=source)


@dataclass
class _Pending:
    """One event's records gathered in a transaction for one user and source."""

    event: object
    ids: set
    created: set
    fields: set
    user: object
    source: str


class _Batches:
    """The batches a transaction has sent so far, delivered by one on-commit callback."""

    def __init__(self, hooks):
        self.hooks = hooks  # the connection's on-commit list when this started (see _queue)
        self.items: dict[tuple, _Pending] = {}

    def add(self, event, ids, created, fields, user, source):
        key = (event.name, getattr(user, "pk", None), source)
        item = self.items.get(key)
        if item is None:
            self.items[key] = _Pending(event, set(ids), set(created), set(fields), user, source)
        else:
            item.ids |= ids
            item.created |= created
            item.fields |= fields

    def deliver(self):
        if getattr(_local, "batches", None) is self:
            _local.batches = None
        items, self.items = list(self.items.values()), {}
        _deliver_all([(p.event, Change(p.event.name, frozenset(p.ids), frozenset(p.created), frozenset(p.fields), p.user, p.source))
                      for p in items])


_local = threading.local()


def _queue(event, **batch):
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _deliver_all([(event, Change(event.name, frozenset(batch["ids"]), frozenset(batch["created"]), frozenset(batch["fields"]),
                                     batch["user"], batch["source"]))])
        return
    batches = getattr(_local, "batches", None)
    # Django replaces the on-commit list when the transaction ends or a savepoint rolls
    # back (dropping that savepoint's callbacks): a list we did not start with means
    # our callback may be gone, so start again with a new one. Every send merged into a
    # batch happened while the savepoints its callback belongs to were still open.
    if batches is None or batches.hooks is not connection.run_on_commit:
        batches = _local.batches = _Batches(connection.run_on_commit)
        transaction.on_commit(batches.deliver)
    batches.add(event, batch["ids"], batch["created"], batch["fields"], batch["user"], batch["source"])


def forget_pending():
    """Start the next send on a new batch. For tests, whose transaction never commits:
    a batch begun before `django_capture_on_commit_callbacks` would otherwise take the
    block's sends while its callback lies outside the capture."""
    _local.batches = None


def _deliver_all(changes):
    """Every subscriber of these batches in one transaction: one commit (a WAL flush) for
    all the reactions instead of one per subscriber; a savepoint each keeps them apart."""
    try:
        with transaction.atomic():
            for event, change in changes:
                _deliver(event, change)
    except Exception:  # the commit itself failed (the write before it stands)
        logger.exception("delivering %s failed", ", ".join(event.name for event, _ in changes))


def _deliver(event, change):
    for uid, handler in list(event._subscribers.items()):
        try:
            with transaction.atomic():
                handler(change)
        except Exception:  # the write has committed: log, roll back this subscriber's savepoint, let the others run
            logger.exception("subscriber %s of %s failed", uid, event.name)


# ---------------------------------------------------------------- the registry's events

students_changed = Event(
    "students_changed", records="students", model="frames.Student",
    doc="Students were created or updated (graduation by term_advance included: fields active, graduated_at).",
)
teams_changed = Event("teams_changed", records="teams", model="frames.Team", doc="Teams were created or updated.")
faculty_changed = Event("faculty_changed", records="faculty", model="frames.Faculty", doc="Faculty records were created or updated.")
projects_changed = Event("projects_changed", records="projects", model="frames.Project", doc="Programs were created or updated.")

REGISTRY_EVENTS = {event.model: event for event in (students_changed, teams_changed, faculty_changed, projects_changed)}


def event_for(model) -> Event | None:
    """The event a write to `model` sends (None: nothing listens to that model)."""
    return REGISTRY_EVENTS.get(model._meta.label)


def field_names(model, attnames) -> set:
    """Model field names ("team") for column attnames ("team_id") or names."""
    by_attname = {f.attname: f.name for f in model._meta.concrete_fields}
    return {by_attname.get(name, name) for name in attnames}


def records_changed(model, *, ids, fields, created=(), user=None, source):
    """Send `model`'s event, if it has one: what generic writers (instance_save, the
    importer, the legacy import) call. `fields` may be attnames or names."""
    event = event_for(model)
    if event is not None:
        event(**{event.records: ids}, fields=field_names(model, fields), created=created, user=user, source=source)
