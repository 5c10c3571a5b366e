"""frames/imports/ overrides django-import-export's methods, copies its private import loop
(BatchedImportMixin) and its export template. A new version of the library may change any
of them: this test fails on any other version and names what to re-read before pinning it."""

import import_export
import pytest
from import_export import admin as library_admin
from import_export import resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from frames.imports.admin import ImportExportAdminMixin
from frames.imports.batched import BatchedImportMixin, FramesInstanceLoader
from frames.imports.resource import FramesResource
from frames.imports.widgets import BlankIsNullCharWidget, FramesBooleanWidget, FramesForeignKeyWidget, FramesIntegerWidget
from frames.resource_registry import resource_for

CHECKED_VERSION = "4.4.3"

# (our class, the library class it overrides, the library methods it overrides)
OVERRIDES = [
    (BatchedImportMixin, resources.ModelResource, {
        "after_init_instance", "do_instance_save", "get_import_fields", "import_data_inner", "import_field",
        "import_instance", "import_row", "save_instance", "skip_row",
    }),
    (FramesResource, resources.ModelResource, {
        "after_import", "after_save_instance", "export_field", "get_fk_widget", "get_queryset", "get_user_visible_fields",
        "import_data", "validate_instance", "widget_from_django_field", "widget_kwargs_for_field",
    }),
    (ImportExportAdminMixin, library_admin.ImportExportModelAdmin, {
        "add_data_read_fail_error_to_form", "confirm_form_class", "get_export_resource_kwargs", "get_import_resource_kwargs",
        "get_urls", "import_action", "process_dataset", "process_import", "process_result",
    }),
    (FramesInstanceLoader, BaseInstanceLoader, {"get_instance"}),
    (FramesForeignKeyWidget, widgets.ForeignKeyWidget, {"clean", "get_queryset"}),
    (FramesBooleanWidget, widgets.BooleanWidget, {"clean"}),
    (FramesIntegerWidget, widgets.IntegerWidget, {"clean"}),
    (BlankIsNullCharWidget, widgets.CharWidget, {"clean"}),
]
# Library internals the batched loop calls as the library's own loop does.
PRIVATE_USED = ["Resource._check_import_id_fields", "Resource.get_diff_class", "Resource.get_row_result_class",
                "Resource.get_error_result_class", "Resource.handle_import_error", "Result.increment_row_result_total",
                "Result.append_invalid_row", "Result.append_error_row"]
TEMPLATES = ["admin/import_export/import.html (extended: blocks confirm_import_form, errors, validation_errors, preview)",
             "admin/import_export/export.html (copied to admin/imports/export.html without its inline handler)"]


def overridden(ours, library):
    return {name for name in vars(ours) if not name.startswith("__") and callable(getattr(library, name, None))}


def test_the_library_is_the_version_our_overrides_were_checked_against():
    names = [f"{ours.__name__}.{name}" for ours, _library, expected in OVERRIDES for name in sorted(expected)]
    assert import_export.__version__ == CHECKED_VERSION, (
        f"django-import-export is {import_export.__version__}, frames/imports/ was checked against {CHECKED_VERSION}. "
        f"Re-read the library's versions of: {', '.join(names)}; the internals {', '.join(PRIVATE_USED)}; "
        f"and the templates {'; '.join(TEMPLATES)}. Then set CHECKED_VERSION."
    )


@pytest.mark.parametrize(("ours", "library", "expected"), OVERRIDES, ids=lambda value: getattr(value, "__name__", ""))
def test_the_list_of_overridden_methods_is_complete(ours, library, expected):
    """A method overridden later joins the list above (and so the re-check)."""
    assert overridden(ours, library) == expected


def test_the_private_internals_still_exist():
    from import_export.results import Result

    owners = {"Resource": resources.Resource, "Result": Result}
    missing = [name for name in PRIVATE_USED if not callable(getattr(owners[name.split(".")[0]], name.split(".")[1], None))]
    assert not missing


def test_no_resource_declares_the_library_widgets_ours_replace():
    """Declared, not swapped at run time: every model's resource builds (FramesResource refuses
    import-export's own ForeignKeyWidget, IntegerWidget and BooleanWidget) and its foreign-key,
    whole-number and boolean columns use ours."""
    from django.apps import apps

    checked = 0
    for model in apps.get_models():
        resource_class = resource_for(model)
        if resource_class is None:
            continue
        resource = resource_class(user=None)
        for name, field in resource.fields.items():
            assert type(field.widget) not in (widgets.ForeignKeyWidget, widgets.IntegerWidget, widgets.BooleanWidget), (
                f"{resource_class.__name__}.{name}")
        checked += 1
    assert checked >= 40
