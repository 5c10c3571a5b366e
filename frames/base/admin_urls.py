"""The admin's URL patterns grouped by app.

Django's admin lists one include per registered model (`<app>/<model>/`, about sixty here), and
the resolver tries them in turn: a request for the last app's page raised and caught a
Resolver404 for every model before it, a fifth of a millisecond of every admin request. Grouped
under one `<app>/` include per app, a request passes at most a handful of apps, then the models
of its own app. The names, the namespace and every URL stay the same (the app index and the
admin's catch-all view keep their places after the groups)."""

from django.urls import URLResolver
from django.urls.resolvers import RoutePattern


def grouped_by_app(urls):
    """`admin.site.urls` (patterns, app name, namespace) with the model includes grouped per app."""
    patterns, app_name, namespace = urls
    groups, out = {}, []
    for pattern in patterns:
        route = str(pattern.pattern)
        app, _, model = route.rstrip("/").partition("/")
        # a model's include is exactly "<app>/<model>/" (RoutePattern, no converters, no further slash)
        if isinstance(pattern, URLResolver) and isinstance(pattern.pattern, RoutePattern) and route.count("/") == 2 and model and "<" not in route:
            if app not in groups:
                groups[app] = []
                out.append((app, groups[app]))
            groups[app].append(URLResolver(RoutePattern(f"{model}/"), pattern.urlconf_name, pattern.default_kwargs, pattern.app_name, pattern.namespace))
        else:
            out.append(pattern)
    flat = [URLResolver(RoutePattern(f"{item[0]}/"), item[1]) if isinstance(item, tuple) else item for item in out]
    return flat, app_name, namespace
