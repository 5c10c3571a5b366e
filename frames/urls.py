from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from frames import views
from frames.api.schema import CachedSchemaView
from frames.base.admin_urls import grouped_by_app

admin.site.site_header = "FRAMES administration"
admin.site.site_title = "FRAMES admin"
admin.site.index_title = "Registry, programs, learning and research"
admin.site.index_template = "admin/frames/index.html"  # "Recent actions" from audit_logs

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every page (admin pages have no icon link); the static
    # name is looked up per request, since a hashed name needs the manifest.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("frames/favicon.svg"), permanent=False), name="favicon"),
    path("accounts/", include("frames.account_views")),  # our password pages first (frames/account_views.py)
    path("accounts/", include("django.contrib.auth.urls")),
    path("staff/", include("frames.staff")),
    path("admin/", grouped_by_app(admin.site.urls)),
    path("api/schema/", CachedSchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/analytics/", include(("analytics.api.urls", "analytics-api"))),
    path("api/v1/cadence/", include(("cadence.api.urls", "cadence-api"))),
    path("api/v1/lms/", include(("lms.api.urls", "lms-api"))),
    path("api/v1/basecamp/", include(("basecamp.api.urls", "basecamp-api"))),
    path("api/v1/", include("frames.api.urls")),
    path("analytics/", include("analytics.urls")),
    path("cadence/", include("cadence.urls")),
    # "View as learner": the learner pages again, as a second instance of the lms namespace (lms/preview.py).
    path("learn/preview/", include("lms.preview", namespace="lms-preview")),
    path("learn/", include("lms.urls")),
    path("basecamp/", include("basecamp.urls")),
]

handler404 = "frames.base.rest.not_found"  # JSON under /api/
