"""One field list per model, said once and read by both of its layers: the import/export
resource (`Meta.fields = field_lists.STUDENT.export`: the file's columns, in order) and
the API serializer (`Meta.fields = field_lists.STUDENT.api`: the answer's keys, in
order). See docs/architecture.md, "One field list per model".

The names both layers share are written plainly; a name only one layer has is wrapped in
`api(...)` or `export(...)` where it stands in that layer's order, so every difference
between the two is in sight:

    MODULE_SECTION = FieldList(
        ModuleSection,
        api("id"), "module", "section_number", "title", "content",
    )

A name in the two layers at different places (an order kept from the old files) is one
`export(name)` and one `api(name)`. The admin and the filter sets keep their own lists:
they choose what to show and to filter on, not what a record is made of."""


class _Only:
    def __init__(self, layer, names):
        if not names:
            raise TypeError(f"{layer}() needs at least one name")
        self.layer, self.names = layer, names


def api(*names) -> _Only:
    """Names only the API serializer has (keys, read-only facts, computed fields)."""
    return _Only("api", names)


def export(*names) -> _Only:
    """Names only the import/export resource has (e.g. a module's `sections` column)."""
    return _Only("export", names)


class FieldList:
    """A model's fields for its resource (`.export`, a tuple) and its serializer (`.api`, a tuple)."""

    registry: dict = {}  # model -> FieldList (tests/frames/test_field_lists.py checks both layers use it)

    def __init__(self, model, *items):
        layers = {"api": [], "export": []}
        for item in items:
            if isinstance(item, _Only):
                layers[item.layer].extend(item.names)
            elif isinstance(item, str):
                layers["api"].append(item)
                layers["export"].append(item)
            else:
                raise TypeError(f"{model.__name__}: a field list holds names, api(...) and export(...), not {item!r}")
        for layer, names in layers.items():
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                raise ValueError(f"{model.__name__}: {', '.join(twice)} stand(s) twice in the {layer} list")
        self.model = model
        self.api = tuple(layers["api"])
        self.export = tuple(layers["export"])
        FieldList.registry[model] = self

    def __repr__(self):
        return f"FieldList({self.model.__name__}, api={self.api}, export={self.export})"
