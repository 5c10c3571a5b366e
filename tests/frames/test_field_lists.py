"""One field list per model (frames/base/field_lists.py, docs/architecture.md): a model
with both a `<Model>Resource` and a `<Model>Serializer` declares its fields once, and the
resource's export columns and the serializer's keys are read from that declaration."""

import importlib

import pytest
from django.apps import apps

from frames.base.field_lists import FieldList, api, export

OUR_APPS = ("frames", "lms", "basecamp", "analytics", "cadence")


def _layers(model):
    app = model._meta.app_label
    resource = getattr(importlib.import_module(f"{app}.resources"), f"{model.__name__}Resource", None)
    serializer = getattr(importlib.import_module(f"{app}.api.serializers"), f"{model.__name__}Serializer", None)
    return resource, serializer


def _models_with_both_layers():
    found = []
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            resource, serializer = _layers(model)
            if resource is not None and serializer is not None:
                found.append(model)
    return found


def test_the_project_has_models_with_both_layers():
    assert len(_models_with_both_layers()) >= 40


@pytest.mark.parametrize("model", _models_with_both_layers(), ids=lambda m: m._meta.label)
def test_resource_and_serializer_read_one_field_list(model):
    field_list = FieldList.registry.get(model)
    assert field_list is not None, f"{model._meta.label}: declare its fields once in {model._meta.app_label}/field_lists.py"
    resource, serializer = _layers(model)
    assert tuple(resource._meta.fields) == field_list.export, f"{resource.__name__}.Meta.fields: use {field_list!r}.export"
    assert tuple(serializer.Meta.fields) == field_list.api, f"{serializer.__name__}.Meta.fields: use {field_list!r}.api"
    # The export's columns follow the list (a field a resource adds in __init__ included).
    assert tuple(resource().get_export_order()) == field_list.export


class Probe:
    """Stands for a model: a field list only names it."""


@pytest.fixture
def probe():
    yield Probe
    FieldList.registry.pop(Probe, None)


def test_a_field_list_says_each_difference_where_it_stands(probe):
    fields = FieldList(probe, api("id"), "name", export("sections"), "meta", api("created_at"))
    assert fields.api == ("id", "name", "meta", "created_at")
    assert fields.export == ("name", "sections", "meta")
    assert FieldList.registry[probe] is fields
    # A name the two layers order differently is one export() and one api().
    moved = FieldList(probe, export("id"), "name", api("id"))
    assert (moved.export, moved.api) == (("id", "name"), ("name", "id"))


def test_a_field_list_refuses_a_name_twice_in_one_layer_and_other_items(probe):
    with pytest.raises(ValueError, match="name stand"):
        FieldList(probe, "id", "name", api("name"))
    with pytest.raises(TypeError, match="holds names"):
        FieldList(probe, "id", 3)
    with pytest.raises(TypeError, match="at least one name"):
        api()
    assert probe not in FieldList.registry
