"""Sandbox sections: their configuration and the results of runs in the browser.

Configuration (`section_config` of a `sandbox` section):
  {"language": "python",                 only Python (Pyodide) today
   "files": {"main.py": "print(1)"},      starting code; the first file is the one run
   "runnable": true,                       false: code shown, nothing runs
   "expected_output": "1",                 Check compares stdout with it (whitespace at line ends ignored)
   "tests": [{"name": "adds", "code": "assert add(2, 3) == 5"}],  run after the code, each must not raise
   "time_limit_s": 10,                     a run is stopped after this many seconds (1-60)
   "instructions": "Markdown", "hints": ["...", "..."]}

Trust: the code runs in the student's browser (a Web Worker with Pyodide), so the
server cannot prove that a reported output came from a run. It is the student's own
progress, so the server records what the browser reports and decides the pass itself
from it (the reported stdout against `expected_output`, every configured test reported
passing); a student who forges a report only cheats themselves, and every run's code
digest and output excerpt stay in the event stream for staff to look at."""

import hashlib
import json

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

from lms import services
from lms.config_checks import DEFAULT_TIME_LIMIT, MAX_FILE_CHARS, MAX_FILES, MAX_OUTPUT_CHARS, MAX_TESTS
from lms.models import EventType, ModuleProgress

OUTPUT_EXCERPT = 2_000
RUNNER_FILE = "lms/vendor/pyodide/pyodide.mjs"


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def runner_available() -> bool:
    """Whether `make install` put Pyodide into the static files (app directory or STATIC_ROOT)."""
    return bool(finders.find(RUNNER_FILE)) or staticfiles_storage.exists(RUNNER_FILE)


def normalise_output(text: str) -> str:
    """Compare outputs line by line, ignoring trailing spaces and blank lines at the end."""
    return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").split("\n")).strip("\n")


def code_digest(files: dict) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


class SandboxResultError(ValueError):
    """A refused report: (field, message)."""

    def __init__(self, name, message):
        self.field, self.message = name, message
        super().__init__(f"{name}: {message}")


def parse_result(data, config) -> dict:
    """Validate the browser's report of a run: {"action": "run"|"check", "files": {...},
    "stdout": str, "stderr": str, "error": str|null, "timed_out": bool,
    "tests": [{"name": str, "passed": bool, "message": str}], "duration_ms": int}."""
    if not isinstance(data, dict):
        raise SandboxResultError("body", "Send a JSON object.")
    unknown = set(data) - {"action", "files", "stdout", "stderr", "error", "timed_out", "tests", "duration_ms"}
    if unknown:
        raise SandboxResultError(sorted(unknown)[0], "Unknown field.")
    action = data.get("action")
    if action not in ("run", "check"):
        raise SandboxResultError("action", "Either \"run\" or \"check\".")
    files = data.get("files")
    if not isinstance(files, dict) or not files or len(files) > MAX_FILES:
        raise SandboxResultError("files", "The code that ran, as an object of file name to text.")
    for name, body in files.items():
        if name not in (config.get("files") or {}):
            raise SandboxResultError("files", f"{name[:40]!r} is not one of this section's files.")
        if not isinstance(body, str) or len(body) > MAX_FILE_CHARS:
            raise SandboxResultError("files", f"{name}: text of at most {MAX_FILE_CHARS} characters.")
    out = {"action": action, "files": files}
    for name in ("stdout", "stderr"):
        value = data.get(name, "")
        if not isinstance(value, str):
            raise SandboxResultError(name, "Text.")
        out[name] = value[:MAX_OUTPUT_CHARS]
    error = data.get("error")
    if error is not None and not isinstance(error, str):
        raise SandboxResultError("error", "Text or null.")
    out["error"] = (error or "")[:OUTPUT_EXCERPT]
    if not isinstance(data.get("timed_out", False), bool):
        raise SandboxResultError("timed_out", "true or false.")
    out["timed_out"] = data.get("timed_out", False)
    duration = data.get("duration_ms", 0)
    if not (_is_int(duration) and 0 <= duration <= 3_600_000):
        raise SandboxResultError("duration_ms", "Whole milliseconds, 0 or more.")
    out["duration_ms"] = duration
    tests = data.get("tests", [])
    if not isinstance(tests, list) or len(tests) > MAX_TESTS or not all(
            isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("passed"), bool) for t in tests):
        raise SandboxResultError("tests", "A list of {\"name\": ..., \"passed\": true|false}.")
    out["tests"] = [{"name": t["name"][:200], "passed": t["passed"], "message": str(t.get("message", ""))[:500]} for t in tests]
    for value in (out["stdout"], out["stderr"], out["error"], *files, *files.values()):
        if "\x00" in value:
            raise SandboxResultError("body", "NUL characters are not allowed.")
    return out


def judge(result: dict, config: dict) -> tuple[bool, str]:
    """Whether a Check passes, and why not (the server's own comparison of the report)."""
    if result["timed_out"]:
        return False, f"Stopped after {config.get('time_limit_s', DEFAULT_TIME_LIMIT)} seconds: look for a loop that never ends."
    if result["error"]:
        return False, f"Your code raised an error: {result['error'].splitlines()[-1] if result['error'].strip() else 'error'}"
    expected = config.get("expected_output")
    if expected:
        got, want = normalise_output(result["stdout"]), normalise_output(expected)
        if got != want:
            got_lines, want_lines = got.split("\n"), want.split("\n")
            for i, (g, w) in enumerate(zip(got_lines, want_lines, strict=False), 1):
                if g != w:
                    return False, f"Line {i} of the output is {g!r}; expected {w!r}."
            return False, f"The output has {len(got_lines)} line(s); expected {len(want_lines)}."
    tests = config.get("tests") or []
    if tests:
        reported = {t["name"]: t for t in result["tests"]}
        for test in tests:
            got = reported.get(test["name"])
            if got is None:
                return False, f"Test {test['name']!r} did not run."
            if not got["passed"]:
                return False, f"Test {test['name']!r} failed" + (f": {got['message']}" if got["message"] else ".")
    if not expected and not tests:
        return False, "This sandbox has nothing to check against; run your code instead."
    return True, "All checks passed."


def sandbox_result_record(*, section, student, data, user=None) -> dict:
    """Record a run or Check reported by the browser as events (`code_change` when the
    code differs from the last run, `code_run`, `error_encountered` on an error, a timeout
    or a failed Check) through the event pipeline, which completes the section on a pass.
    Returns {"passed", "message", "progress", "unlocked"}."""
    config = section.section_config or {}
    if section.section_type != "sandbox" or config.get("runnable", True) is False:
        raise SandboxResultError("section", "This section has no runnable code.")
    result = parse_result(data, config)

    progress = ModuleProgress.objects.filter(module_id=section.module_id, student=student).only("section_state").first()
    state = (progress.section_state if progress else {}).get(str(section.section_number), {})
    digest = code_digest(result["files"])
    passed, message = judge(result, config) if result["action"] == "check" else (None, "")
    base = {"module": section.module_id, "section_number": section.section_number}
    items = []
    if digest != state.get("code_digest", code_digest(config.get("files") or {})):
        items.append({**base, "event_type": EventType.CODE_CHANGE.value,
                      "event_data": {"digest": digest, "chars": sum(len(v) for v in result["files"].values())}})
    run = {"action": result["action"], "digest": digest, "duration_ms": result["duration_ms"], "timed_out": result["timed_out"],
           "stdout": result["stdout"][:OUTPUT_EXCERPT]}
    if passed is not None:
        run["passed"] = passed
        run["tests"] = [{"name": t["name"], "passed": t["passed"]} for t in result["tests"]]
    items.append({**base, "event_type": EventType.CODE_RUN.value, "event_data": run})
    if result["timed_out"] or result["error"] or passed is False:
        kind = "timeout" if result["timed_out"] else ("exception" if result["error"] else "wrong_output")
        items.append({**base, "event_type": EventType.ERROR_ENCOUNTERED.value,
                      "event_data": {"kind": kind, "error": (result["error"] or message)[:500]}})
    ingested = services.events_ingest(student=student, items=items, user=user)
    return {"passed": passed, "message": message, "progress": ingested.progress, "unlocked": ingested.unlocked}
