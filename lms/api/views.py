
import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from frames.base.api import FramesViewSet
from frames.base.parsers import FramesJSONParser
from frames.base.permissions import RoleModelPermissions
from frames.base.renderers import FramesJSONRenderer
from frames.models import AuditLog
from frames.params import ParamError, json_loads, json_max_depth
from frames.roles import Role, role_of, student_of
from frames.scoping import scope_queryset
from lms import filtersets, quizzes, services, xapi
from lms.api import serializers
from lms.models import (
    SERVER_ONLY_EVENT_TYPES,
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleQuestion,
    ModuleQuizAttempt,
    ModuleSection,
    ModuleStatus,
)


class LmsPermission(RoleModelPermissions):
    """Staff: the role groups' model permissions (scoped by the viewset). Students: only
    the actions the viewset lists in `student_actions`, on their own rows."""

    def has_permission(self, request, view):
        role = role_of(request.user)
        if role == Role.ANONYMOUS:
            return False
        if role == Role.STUDENT:
            return getattr(view, "action", None) in getattr(view, "student_actions", ())
        return super().has_permission(request, view)


class LmsViewSet(FramesViewSet):
    permission_classes = [LmsPermission]
    student_actions = ("list", "retrieve")
    student_path = "student"  # how a row names its student (None: no student rows)

    def get_queryset(self):
        student = student_of(self.request.user)
        if student is not None:
            # A student's own rows: stricter than (and instead of) the university scope.
            return self.for_student(self.queryset.all(), student)
        return super().get_queryset()

    def for_student(self, qs, student):
        return qs.filter(**{self.student_path: student})


class ModuleViewSet(LmsViewSet):
    """Modules; students see the published ones. Publishing goes through the service."""

    queryset = Module.objects.all()
    serializer_class = serializers.ModuleSerializer
    filterset_class = filtersets.ModuleFilterSet
    search_fields = ["module_id", "title", "category"]
    ordering_fields = ["title", "module_id", "difficulty_level", "estimated_minutes", "published_at"]

    def for_student(self, qs, student):
        return qs.filter(status=ModuleStatus.PUBLISHED)

    def save_record(self, instance, *, data, m2m):
        # A status of published or archived is the publish/archive service's to set, with
        # its checks (a module with no sections is refused) and listeners.
        data = dict(data)
        status = data.get("status")
        stored = None if instance._state.adding else instance.status
        change_status = status in (ModuleStatus.PUBLISHED, ModuleStatus.ARCHIVED) and status != stored
        if change_status:
            data["status"] = stored or ModuleStatus.DRAFT
        with transaction.atomic():
            super().save_record(instance, data=data, m2m=m2m)
            if status == ModuleStatus.PUBLISHED and change_status:
                services.module_publish(module=instance, user=self.request.user, source=AuditLog.Source.API)
            elif change_status:
                services.module_archive(module=instance, user=self.request.user, source=AuditLog.Source.API)
        return instance

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("sections", queryset=ModuleSection.objects.order_by("section_number")))
        return qs

    def get_serializer_class(self):
        return serializers.ModuleDetailSerializer if self.action == "retrieve" else serializers.ModuleSerializer

    @extend_schema(request=None, responses=serializers.ModuleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        module = self.get_object()
        if not request.user.has_perm("lms.change_module"):
            raise PermissionDenied()
        note = request.data.get("note", "") if isinstance(request.data, dict) else ""  # a list body is no note, not a 500
        services.module_publish(module=module, user=request.user, note=str(note)[:500], source=AuditLog.Source.API)
        return Response(serializers.ModuleSerializer(module, context={"request": request}).data)

    @extend_schema(request=None, responses=serializers.ModuleSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        module = self.get_object()
        if not request.user.has_perm("lms.change_module"):
            raise PermissionDenied()
        services.module_archive(module=module, user=request.user, source=AuditLog.Source.API)
        return Response(serializers.ModuleSerializer(module, context={"request": request}).data)


class ModuleSectionViewSet(LmsViewSet):
    queryset = ModuleSection.objects.select_related("module")
    serializer_class = serializers.ModuleSectionSerializer
    filterset_class = filtersets.ModuleSectionFilterSet
    ordering_fields = ["section_number"]

    def for_student(self, qs, student):
        return qs.filter(module__status=ModuleStatus.PUBLISHED)

    def save_record(self, instance, *, data, m2m):
        for name, value in data.items():
            setattr(instance, name, value)
        services.section_save(section=instance, user=self.request.user)
        return instance


class ModulePrerequisiteViewSet(LmsViewSet):
    queryset = ModulePrerequisite.objects.select_related("module", "prerequisite_module")
    serializer_class = serializers.ModulePrerequisiteSerializer
    filterset_class = filtersets.ModulePrerequisiteFilterSet

    def for_student(self, qs, student):
        return qs.filter(module__status=ModuleStatus.PUBLISHED)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.prerequisite_add(
            module=data["module"], prerequisite=data["prerequisite_module"], required=data.get("required", True), user=self.request.user,
        )


class ModuleAssignmentViewSet(LmsViewSet):
    """Assignments: faculty edit their university's; a team / university / rule
    assignment is expanded to its students (and to students who join later)."""

    queryset = ModuleAssignment.objects.select_related("module")
    serializer_class = serializers.ModuleAssignmentSerializer
    filterset_class = filtersets.ModuleAssignmentFilterSet
    ordering_fields = ["due_date", "assigned_at"]

    def save_record(self, instance, *, data, m2m):
        if instance._state.adding:  # a new assignment is expanded to its students
            return services.assignment_create(user=self.request.user, **data, **m2m)
        for name, value in data.items():
            setattr(instance, name, value)
        services.assignment_save(assignment=instance, user=self.request.user)
        return instance


class ModuleProgressViewSet(LmsViewSet):
    """Progress is derived from events; read-only here."""

    http_method_names = ["get", "head", "options"]
    queryset = ModuleProgress.objects.select_related("module")
    serializer_class = serializers.ModuleProgressSerializer
    filterset_class = filtersets.ModuleProgressFilterSet
    ordering_fields = ["last_accessed_at", "progress_percent", "completed_at"]

    def get_serializer_class(self):
        # Why the module adapted (difficulty_adjustments) is staff only.
        return serializers.StudentProgressSerializer if student_of(self.request.user) is not None else serializers.ModuleProgressSerializer


class EventBatchParser(FramesJSONParser):
    """The events POST's JSON body: decoded by orjson as the API's parser does (same
    refusals, same messages), but its depth guard walks only what can nest, each event's
    values (the batch list and the event objects are two levels): walking the whole batch
    cost more than validating it. Anything but a list of objects is guarded whole."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        items = event_batch(body)
        if items is None:
            try:
                return json_loads(body)  # the API parser's own path and refusals
            except ParamError as exc:
                raise ParseError(exc.message_text) from None
        return items


def event_batch(body):
    """The body as a list of event objects (orjson, depth-guarded per event); None when it is
    not one (the API parser's path then decodes and refuses it). ParseError when too deep."""
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(items) is not list or not all(type(item) is dict for item in items):
        return None
    limit = json_max_depth() - 2
    for item in items:
        for value in item.values():
            if type(value) in (dict, list) and _deeper_than(value, limit):
                raise ParseError(f"JSON nested more than {limit + 2} levels deep.")
    return items


def _deeper_than(value, limit) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        for child in item.values() if type(item) is dict else item:
            if type(child) in (dict, list):
                stack.append((child, depth + 1))
    return False


class ModuleAnalyticsEventViewSet(LmsViewSet):
    """Events: GET lists (students their own); POST takes a batch (a list of up to
    500 events) from a student, as themselves, validated whole, appended in bulk."""

    http_method_names = ["get", "post", "head", "options"]
    student_actions = ("list", "retrieve", "create")
    parser_classes = [EventBatchParser, FormParser, MultiPartParser]
    queryset = ModuleAnalyticsEvent.objects.all()
    serializer_class = serializers.ModuleAnalyticsEventSerializer
    filterset_class = filtersets.ModuleAnalyticsEventFilterSet
    ordering_fields = ["timestamp", "id"]

    def get_queryset(self):
        qs = super().get_queryset()
        if student_of(self.request.user) is not None:
            qs = qs.exclude(event_type__in=SERVER_ONLY_EVENT_TYPES)  # adjustment events carry their reasons: staff only
        return qs.order_by("-id") if not self.request.query_params.get("ordering") else qs

    def get_serializer_class(self):
        return serializers.StudentEventSerializer if student_of(self.request.user) is not None else serializers.ModuleAnalyticsEventSerializer

    def dispatch(self, request, *args, **kwargs):
        # The player's batch (a student's session, a JSON list) skips DRF's request wrapping,
        # parser and renderer negotiation: a fifth of a 100-event batch's request time. Anything
        # else, and every refusal DRF words (CSRF, 401/403, bad JSON), goes through DRF unchanged.
        if request.method == "POST" and not args and not kwargs and self.action_map.get("post") == "create":
            response = self._student_batch(request)
            if response is not None:
                request.accepted_renderer, request.accepted_media_type = FramesJSONRenderer(), FramesJSONRenderer.media_type
                self.headers = self.default_response_headers
                return self.finalize_response(request, response, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def _student_batch(self, request):
        """A batch POSTed by a student logged in by session, answered as `create` answers it
        (the same CSRF check, throttles, body and refusals of the batch); None (nothing done,
        nothing counted by the throttles) leaves the request to DRF."""
        meta = request.META
        if "HTTP_AUTHORIZATION" in meta or meta.get("QUERY_STRING") or request.content_type != "application/json":
            return None  # tokens, ?format= and other bodies: DRF's authentication and parsers
        if meta.get("HTTP_ACCEPT", "*/*") not in ("*/*", "application/json"):
            return None  # negotiation (the browsable API for browsers)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = meta.get("CONTENT_LENGTH") or ""
        if not length.isdigit() or int(length) == 0 or (limit is not None and int(length) > limit):
            return None
        user = getattr(request, "user", None)  # the session's user (AuthenticationMiddleware), as SessionAuthentication reads it
        if user is None or not user.is_active or role_of(user) != Role.STUDENT:
            return None
        try:
            SessionAuthentication().enforce_csrf(request)
            items = event_batch(request.body)
        except (PermissionDenied, ParseError):
            return None
        if items is None:
            return None
        # From here on the request is this path's: the throttles count it once, as DRF's would.
        try:
            self.check_throttles(request)
            return Response(*self._ingest(user, items))
        except Exception as exc:  # noqa: BLE001 - answered by the API's exception handler, as DRF answers it
            response = self.get_exception_handler()(exc, self.get_exception_handler_context())
            if response is None:
                raise
            return response

    @extend_schema(request=serializers.EventInputSerializer(many=True, allow_empty=False, max_length=services.MAX_EVENT_BATCH),
                   responses={201: serializers.IngestResultSerializer})
    def create(self, request, *args, **kwargs):
        return Response(*self._ingest(request.user, request.data))

    def _ingest(self, user, items):
        """The batch ingested for the user's student: (body, status) of the answer."""
        student = student_of(user)
        if student is None:
            raise PermissionDenied("Only students send analytics events, as themselves.")
        try:
            result = services.events_ingest(student=student, items=items, user=user)
        except services.EventBatchError as exc:
            return exc.as_dict(), status.HTTP_400_BAD_REQUEST
        return {
            "created": result.created,
            "progress": [
                {"module": p.module_id, "status": p.status, "progress_percent": p.progress_percent, "current_section": p.current_section,
                 "completed_sections": p.completed_sections}
                for p in result.progress
            ],
            "unlocked": [{"id": m.pk, "module_id": m.module_id, "title": m.title} for m in result.unlocked],
        }, status.HTTP_201_CREATED


class ModuleFeedbackViewSet(LmsViewSet):
    """Feedback: students give one per completed module (a second POST edits it) and
    read their own; staff read their university's, never an anonymous one's author."""

    http_method_names = ["get", "post", "head", "options", "delete"]
    student_actions = ("list", "retrieve", "create")
    queryset = ModuleFeedback.objects.select_related("module")
    serializer_class = serializers.ModuleFeedbackSerializer
    filterset_class = filtersets.ModuleFeedbackFilterSet
    ordering_fields = ["created_at", "rating"]
    search_fields = ["comment"]

    @extend_schema(request=serializers.FeedbackInputSerializer,
                   responses={201: OpenApiResponse(serializers.ModuleFeedbackSerializer, description="The first feedback on the module."),
                              200: OpenApiResponse(serializers.ModuleFeedbackSerializer, description="The student's feedback, edited.")})
    def create(self, request, *args, **kwargs):
        student = student_of(request.user)
        if student is None:
            raise PermissionDenied("Feedback is given by students.")
        data = serializers.FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        module = values.pop("module")
        feedback = services.feedback_submit(module=module, student=student, user=request.user, source=AuditLog.Source.API, **values)
        return Response(self.get_serializer(feedback).data, status=status.HTTP_201_CREATED if feedback.inserted else status.HTTP_200_OK)


class ModuleQuestionViewSet(LmsViewSet):
    """Quiz questions with their answers: staff only (students get 403 here; they see
    questions on the player page, without answers)."""

    student_actions = ()
    queryset = ModuleQuestion.objects.select_related("section")
    serializer_class = serializers.ModuleQuestionSerializer
    filterset_class = filtersets.ModuleQuestionFilterSet
    ordering_fields = ["section", "position"]

    def save_record(self, instance, *, data, m2m):
        # A question is module content: its edit raises the module's revision (the service's).
        for name, value in data.items():
            setattr(instance, name, value)
        return services.question_save(question=instance, user=self.request.user, source=AuditLog.Source.API)

    def perform_destroy(self, instance):
        services.question_delete(question=instance, user=self.request.user, source=AuditLog.Source.API)


class ModuleQuizAttemptViewSet(LmsViewSet):
    """Quiz attempts: students submit (POST, graded on the server) and read their own;
    faculty read their university's, coordinators all. No edits, no deletes."""

    http_method_names = ["get", "post", "head", "options"]
    student_actions = ("list", "retrieve", "create")
    queryset = ModuleQuizAttempt.objects.all()
    serializer_class = serializers.ModuleQuizAttemptSerializer
    filterset_class = filtersets.ModuleQuizAttemptFilterSet
    ordering_fields = ["submitted_at", "score", "attempt_number"]

    @extend_schema(request=serializers.QuizSubmitSerializer, responses={201: serializers.ModuleQuizAttemptSerializer})
    def create(self, request, *args, **kwargs):
        student = student_of(request.user)
        if student is None:
            raise PermissionDenied("Quizzes are submitted by students, as themselves.")
        data = serializers.QuizSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = quizzes.quiz_attempt_submit(section=data.validated_data["section"], student=student, answers=data.validated_data["answers"],
                                              user=request.user, source=AuditLog.Source.API)
        body = self.get_serializer(attempt).data
        body["results"] = quizzes.student_results(attempt, attempt.questions)
        return Response(body, status=status.HTTP_201_CREATED)


class XapiPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        role = role_of(request.user)
        if role == Role.STUDENT:
            return True
        return role in (Role.FACULTY, Role.COORDINATOR, Role.SUPERUSER) and request.user.has_perm("lms.view_moduleanalyticsevent")


class XapiStatementsView(APIView):
    """GET the analytics events as xAPI 1.0.3 statements: `{"statements": [...], "more": url}`.

    Students get their own, faculty their university's students', coordinators all.
    Filters: `since`, `until` (ISO date-times), `module` (id or slug), `verb` (IRI),
    `agent` (a student id), `limit` (1-500, default 100); `before` pages back (from `more`)."""

    permission_classes = [XapiPermission]

    @extend_schema(responses={200: dict})
    def get(self, request):
        params = request.query_params
        qs = scope_queryset(ModuleAnalyticsEvent.objects.all(), request.user)
        student = student_of(request.user)
        if student is not None:
            qs = qs.filter(student=student).exclude(event_type__in=SERVER_ONLY_EVENT_TYPES)  # adjustments: staff only
        query = xapi.parse_query(params)
        limit = query.limit
        if query.since is not None:
            qs = qs.filter(timestamp__gt=query.since)
        if query.until is not None:
            qs = qs.filter(timestamp__lte=query.until)
        if query.before is not None:
            qs = qs.filter(pk__lt=query.before)
        if query.module_pk is not None:
            qs = qs.filter(module_id=query.module_pk)
        elif query.module_slug:
            qs = qs.filter(module__module_id=query.module_slug)
        if query.agent:
            qs = qs.filter(student_id=query.agent)
        if query.event_types is not None:
            qs = qs.filter(event_type__in=query.event_types)
        rows = list(qs.select_related("module", "student").only(
            "id", "event_type", "event_data", "section_number", "session_id", "timestamp", "time_elapsed_seconds", "student_id",
            "module__module_id", "module__title", "student__name",
        ).order_by("-id")[: limit + 1])
        more = ""
        if len(rows) > limit:
            rows = rows[:limit]
            query = params.copy()
            query["before"] = str(rows[-1].pk)
            more = f"{request.path}?{query.urlencode()}"
        statements = [xapi.statement(e, e.module.module_id, e.module.title, e.student.name) for e in rows]
        response = Response({"statements": statements, "more": more})
        response["X-Experience-API-Version"] = xapi.XAPI_VERSION
        return response


