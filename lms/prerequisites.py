"""The prerequisite graph: cycle refusal and locking."""

from collections import defaultdict

from lms.models import Module, ModulePrerequisite


def _graph(exclude_pk=None):
    edges = defaultdict(set)  # module -> its prerequisites
    qs = ModulePrerequisite.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    for module_id, prereq_id in qs.values_list("module_id", "prerequisite_module_id"):
        edges[module_id].add(prereq_id)
    return edges


def cycle_error(module_id, prerequisite_id, exclude_pk=None) -> str | None:
    """Why `prerequisite_id` cannot become a prerequisite of `module_id`, or None."""
    if module_id == prerequisite_id:
        return "A module cannot be its own prerequisite."
    edges = _graph(exclude_pk)
    # A cycle appears if module_id is already (transitively) a prerequisite of prerequisite_id.
    path = _path(edges, prerequisite_id, module_id)
    if path is None:
        return None
    slugs = dict(Module.objects.filter(pk__in=path + [module_id]).values_list("pk", "module_id"))
    chain = " → ".join(slugs.get(pk, str(pk)) for pk in [module_id, *path])
    return f"This would make a cycle: {chain} (each needs the next first)."


def _path(edges, start, goal):
    """A prerequisite chain from start down to goal, or None."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in edges.get(node, ()):
            stack.append((nxt, path + [nxt]))
    return None
