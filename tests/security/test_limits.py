"""Resource limits (issue 17, findings 6, 7 and 9): spreadsheet imports are capped
while they are read; API throttling holds across real worker processes sharing
Redis (and `check --deploy` warns when the cache is per process); the login
lockout is per username *and* address, with an address-only rule above it."""

import io
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from frames.imports import ImportTooLarge, read_dataset
from frames.models import Student
from tests.factories import UserFactory
from tests.frames.helpers import admin_import

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


def big_xlsx(rows):
    """A real XLSX of `rows` student rows, the package written directly (inline strings),
    so a 400,000-row file takes seconds to make, not minutes."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def row(n, values):
        cells = "".join(f'<c r="{col}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for col, v in zip("ABC", values, strict=True))
        return f'<row r="{n}">{cells}</row>'

    body = [row(1, ("id", "name", "university"))] + [row(n + 2, (f"student-x{n}", f"Student {n}", "uni_a")) for n in range(rows)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel_ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel_ns}"><sheets>'
                   '<sheet name="Students" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships '
                   'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel_ns}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet {ns}><sheetData>{"".join(body)}</sheetData></worksheet>')
    return out.getvalue()


# ------------------------------------------------------------------ 6: spreadsheets are capped while read


def test_the_audits_400000_row_xlsx_is_refused_through_the_admin(world, login_client):
    from django.conf import settings

    assert settings.IMPORT_MAX_ROWS == 50_000
    content = big_xlsx(400_000)  # the audit's file had 400,000 rows
    client = login_client(world.users["faculty"])
    preview, confirm = admin_import(client, "/admin/frames/student/", content, "students.xlsx", file_format="xlsx")
    assert confirm is None
    assert preview.status_code == 200
    assert preview.context["form"].errors["import_file"] == [
        "The file has more than 50,000 rows (IMPORT_MAX_ROWS): split it, or have an operator import it with a larger IMPORT_MAX_ROWS."]
    assert not Student.objects.filter(pk__startswith="student-x").exists()


def test_the_generated_xlsx_is_a_real_workbook(settings):
    settings.IMPORT_MAX_ROWS = 1_000
    dataset = read_dataset(big_xlsx(1_000), "xlsx")  # read by openpyxl: exactly at the cap
    assert len(dataset) == 1_000
    assert dataset.headers == ["id", "name", "university"]
    assert dataset[999] == ("student-x999", "Student 999", "uni_a")


@pytest.mark.parametrize("file_format,parsed", [("xlsx", 0), ("csv", 1_001), ("tsv", 1_001), ("json", 1_001)])
def test_reading_stops_one_row_past_the_cap(settings, file_format, parsed):
    settings.IMPORT_MAX_ROWS = 1_000
    rows = [("id", "name", "university")] + [(f"student-x{n}", f"S {n}", "uni_a") for n in range(20_000)]
    if file_format == "xlsx":
        data = big_xlsx(20_000)
    elif file_format == "json":
        import json

        data = json.dumps([dict(zip(rows[0], row, strict=True)) for row in rows[1:]]).encode()
    else:
        sep = "," if file_format == "csv" else "\t"
        data = "\n".join(sep.join(row) for row in rows).encode()
    with pytest.raises(ImportTooLarge) as refused:
        read_dataset(data, file_format)
    assert str(refused.value).startswith("The file has more than 1,000 rows (IMPORT_MAX_ROWS)")
    # Rows parsed into cells before the refusal: none for XLSX (its row tags are counted first),
    # the cap and one more for the rest; JSON is one document, decoded whole, then counted.
    assert refused.value.rows_read == parsed <= settings.IMPORT_MAX_ROWS + 1


def test_an_xlsx_made_with_openpyxl_in_another_sheet_is_counted_on_the_active_one(settings):
    settings.IMPORT_MAX_ROWS = 5
    book = openpyxl.Workbook()
    book.active.append(["id", "name", "university"])
    for n in range(3):
        book.active.append([f"student-x{n}", "S", "uni_a"])
    other = book.create_sheet("notes")
    for n in range(50):
        other.append([n])
    out = io.BytesIO()
    book.save(out)
    assert len(read_dataset(out.getvalue(), "xlsx")) == 3  # the 50-row sheet is not the one imported
    book.active = 1
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportTooLarge):
        read_dataset(out.getvalue(), "xlsx")


def test_too_many_cells_are_refused(settings):
    settings.IMPORT_MAX_CELLS = 5_000
    data = "\n".join(",".join(str(n) for _ in range(200)) for n in range(101)).encode()
    with pytest.raises(ImportTooLarge) as refused:
        read_dataset(data, "csv")
    assert str(refused.value) == "The file has more than 5,000 cells (IMPORT_MAX_CELLS): remove empty columns or split it."
    assert refused.value.rows_read == 25  # the header and 25 rows of 200 cells (5,200) pass 5,000


def test_an_xlsx_that_unpacks_too_far_is_refused_unopened(settings):
    settings.IMPORT_MAX_CELLS = 1_000  # allows 100,000 unpacked bytes
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["id", "name"])
    for n in range(5):
        sheet.append([f"student-x{n}", "x" * 30_000])  # 150,000 bytes that compress to a few hundred
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportTooLarge, match=r"^The file unpacks to [\d,]+ bytes, more than 1,000 cells \(IMPORT_MAX_CELLS\) can need\.$"):
        read_dataset(out.getvalue(), "xlsx")


def test_the_command_refuses_a_file_over_the_cap(world, settings, tmp_path):
    settings.IMPORT_MAX_ROWS = 10
    path = tmp_path / "students.csv"
    path.write_text("id,name,university\n" + "".join(f"student-x{n},S {n},uni_a\n" for n in range(11)))
    with pytest.raises(CommandError, match=r"Nothing imported: The file has more than 10 rows \(IMPORT_MAX_ROWS\)"):
        call_command("import_records", "frames.Student", str(path))
    assert not Student.objects.filter(pk__startswith="student-x").exists()
    path.write_text("id,name,university\n" + "".join(f"student-x{n},S {n},uni_a\n" for n in range(10)))
    call_command("import_records", "frames.Student", str(path))
    assert Student.objects.filter(pk__startswith="student-x").count() == 10


# ------------------------------------------------------------------ 7: throttling across two worker processes


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}): throttling across processes needs a shared cache")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError):
        return None  # not listening yet


@pytest.fixture
def two_workers():
    """Start two separate gunicorn processes (one worker each) with the given cache;
    yield a function that starts them and returns their base URLs."""
    started = []

    def start(cache_url, rate):
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
        env.update({
            "DEBUG": "0", "TESTING": "1", "SECRET_KEY": "throttle-test-" + uuid.uuid4().hex, "ALLOWED_HOSTS": "127.0.0.1",
            "CACHE_URL": cache_url, "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # this run's own keys
            "THROTTLE_ANON": rate, "DJANGO_SETTINGS_MODULE": "frames.settings",
        })
        urls = []
        for _ in range(2):
            port = _free_port()
            process = subprocess.Popen(
                [str(Path(sys.executable).with_name("gunicorn")), "frames.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            started.append(process)
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, started[-2:], strict=True):
            deadline = time.monotonic() + 120  # a loaded machine: the app loads on the first request
            while _get(f"{url}/healthz") != 200:  # not throttled: a plain Django view
                if process.poll() is not None:
                    pytest.fail(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn at {url} did not answer")
                time.sleep(0.2)
        return urls

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


LIMIT = 12


def _passed(urls, requests=3 * LIMIT):
    """Anonymous requests to the API root, alternating between the processes: how many got through."""
    codes = [_get(f"{urls[n % 2]}/api/v1/") for n in range(requests)]
    assert set(codes) <= {200, 429}, codes
    return codes.count(200), codes


def test_throttling_holds_across_two_processes_sharing_redis(two_workers):
    _redis_or_skip()
    passed, codes = _passed(two_workers(REDIS_URL, f"{LIMIT}/minute"))
    assert passed == LIMIT, codes


def test_a_per_process_cache_lets_each_process_count_alone(two_workers):
    # The finding itself, kept as a control: with locmem each worker passes the whole limit.
    passed, codes = _passed(two_workers("locmemcache://", f"{LIMIT}/minute"))
    assert passed == 2 * LIMIT, codes


def _deploy_check(**extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TESTING", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DEBUG": "0", "SECRET_KEY": "k3y-for-the-deploy-check-only-" + "x9#Lq2@vZ" * 6, "ALLOWED_HOSTS": "frames.example.edu",
                "DJANGO_SETTINGS_MODULE": "frames.settings", **extra})
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("cache_url", [None, "locmemcache://", "dummycache://"])
def test_check_deploy_warns_about_a_per_process_cache(cache_url):
    result = _deploy_check(**({"CACHE_URL": cache_url} if cache_url else {}))
    assert result.returncode == 1
    assert "(frames.W001)" in result.stderr
    assert "API throttling does not hold across web workers" in result.stderr


def test_check_deploy_is_clean_with_redis():
    result = _deploy_check(CACHE_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert "frames.W001" not in result.stdout + result.stderr


def test_the_cache_check_is_quiet_in_debug(settings):
    from frames.checks import check_shared_cache

    settings.DEBUG = True
    assert check_shared_cache() == []
    settings.DEBUG = False
    assert [w.id for w in check_shared_cache()] == ["frames.W001"]


# ------------------------------------------------------------------ 9: lockout per username and address


@pytest.fixture
def accounts(db, settings):
    settings.AXES_FAILURE_LIMIT, settings.AXES_ADDRESS_FAILURE_LIMIT = 10, 30
    made = {}
    for name in ("learner", "bystander"):
        user = UserFactory(username=name)
        user.set_password(f"{name}-right-password-42")
        user.save()
        made[name] = user
    return made


def login(client, username, password=None):
    response = client.post("/accounts/login/", {"username": username, "password": password or f"{username}-right-password-42"})
    return response.status_code


def test_ten_failures_lock_the_username_from_that_address_only(accounts):
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for i in range(9):
        assert login(attacker, "learner", f"wrong-{i}") == 200  # the form again, with an error
    assert login(attacker, "learner", "wrong-9") == 429  # the tenth failure locks
    assert login(attacker, "learner") == 429  # the right password no longer gets in from here
    # The owner, from their own address, still logs in: no lockout of the account for everyone.
    assert login(Client(REMOTE_ADDR="203.0.113.20"), "learner") == 302
    # Other accounts from the attacker's address are not locked by this rule.
    assert login(Client(REMOTE_ADDR="198.51.100.9"), "bystander") == 302


def test_many_usernames_from_one_address_lock_the_address(accounts):
    sprayer = Client(REMOTE_ADDR="198.51.100.77")
    for i in range(29):
        assert login(sprayer, f"nobody-{i}", "guess") == 200  # 29 usernames, one failure each
    # Below the address limit another account still logs in; its success does not clear the address's count.
    assert login(Client(REMOTE_ADDR="198.51.100.77"), "bystander") == 302
    assert login(sprayer, "nobody-29", "guess") == 429  # the 30th failure locks the address
    assert login(Client(REMOTE_ADDR="198.51.100.77"), "bystander") == 429  # for every username
    assert login(Client(REMOTE_ADDR="203.0.113.21"), "bystander") == 302  # and only that address
