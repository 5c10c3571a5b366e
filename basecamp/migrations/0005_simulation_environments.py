"""The sandbox tools the program uses, by subsystem (old schema 002 names them)."""

from django.db import migrations

TOOLS = [
    ("circuitjs", "CircuitJS", "circuit_simulator", "power", {"url": "/static/sandboxes/circuitjs/", "runs": "in-browser"}),
    ("ltspice", "LTSpice", "spice", "avionics", {"download": "https://www.analog.com/ltspice", "runs": "desktop", "files": [".asc"]}),
    ("freecad", "FreeCAD", "cad", "structures", {"runs": "desktop", "files": [".FCStd", ".step"]}),
    ("webcontainer", "WebContainer", "web_runtime", "software", {"runs": "in-browser", "runtime": "node"}),
]


def add_tools(apps, schema_editor):
    Env = apps.get_model("basecamp", "SimulationEnvironment")
    for slug, name, kind, subsystem, config in TOOLS:
        Env.objects.update_or_create(slug=slug, defaults={"name": name, "type": kind, "subsystem": subsystem, "config_json": config,
                                                          "status": "active"})


def remove_tools(apps, schema_editor):
    apps.get_model("basecamp", "SimulationEnvironment").objects.filter(slug__in=[t[0] for t in TOOLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("basecamp", "0004_adaptive_learning")]

    operations = [migrations.RunPython(add_tools, remove_tools)]
