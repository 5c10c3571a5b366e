"""Issue 15 for lms: a question's choices one per line and its answer through fields by type,
a module's related modules picked and its adaptive rules as rows of fields. Each field
shows the stored value, saving the page unchanged changes nothing, and a wrong value is
refused with the message beside the field. The stored JSON keeps its shape."""

import pytest
from django.urls import reverse

from frames.models import AuditLog
from lms.models import Module, ModuleQuestion
from tests.contract import admin_form_data

RULES = [
    {"id": "hint-q1", "when": {"failed_attempts": 1, "section": 2}, "then": {"action": "reveal_hint"}},
    {"id": "easier", "when": {"failed_attempts": 2, "section": 2}, "then": {"action": "offer_variant", "section": 5}},
    {"when": {"pattern": "rapid_progress"}, "then": {"action": "offer_skip_optional"}},
]


def section_of(w):
    return w.intro.sections.order_by("section_number").first()


def question(w, **values):
    return ModuleQuestion.objects.create(section=section_of(w), prompt="Which?", **{"position": 1, **values})


def audit_count():
    return AuditLog.objects.count()


def question_url(q):
    return reverse("admin:lms_modulequestion_change", args=[q.pk])


def post_question(client, q, **changes):
    page = client.get(question_url(q))
    assert page.status_code == 200
    data = admin_form_data(page)
    data.update(changes)
    return client.post(question_url(q), data)


def field_errors(response, name):
    return list(response.context["adminform"].form.errors.get(name, []))


@pytest.fixture
def coordinator(lms_world, login_client):
    return login_client(lms_world.users["coordinator"])


# ---------------------------------------------------------------- questions


@pytest.mark.django_db
@pytest.mark.parametrize(("values", "field", "shown"), [
    ({"question_type": "single_choice", "choices": ["red", "green", "blue"], "answer": 1}, "right_choices", "2"),
    ({"question_type": "multiple_choice", "choices": ["a", "b", "c"], "answer": [2, 0]}, "right_choices", "3, 1"),
    ({"question_type": "numeric", "answer": 3.3, "tolerance": 0.1}, "right_number", 3.3),
    ({"question_type": "short_text", "answer": ["git merge", "merge"]}, "accepted_answers", "git merge\nmerge"),
    ({"question_type": "short_text", "text_match": "pattern", "answer": "^merg(e|ing)$"}, "accepted_answers", "^merg(e|ing)$"),
], ids=["single", "multiple", "numeric", "exact", "pattern"])
def test_a_question_shows_its_answer_in_the_fields_and_saves_unchanged(lms_world, coordinator, values, field, shown):
    q = question(lms_world, **values)
    page = coordinator.get(question_url(q))
    form = page.context["adminform"].form
    assert form[field].value() == shown
    if "choices" in values:
        assert form["choices"].field.prepare_value(form["choices"].value()) == "\n".join(values["choices"])
    before = audit_count()
    response = coordinator.post(question_url(q), admin_form_data(page))
    assert response.status_code == 302
    q.refresh_from_db()
    assert q.answer == values["answer"] and q.choices == values.get("choices", [])
    assert audit_count() == before  # nothing changed, nothing written


@pytest.mark.django_db
def test_the_right_choices_are_typed_by_number_and_stored_as_indexes(lms_world, coordinator):
    q = question(lms_world, question_type="single_choice", choices=["red", "green"], answer=0)
    response = post_question(coordinator, q, question_type="multiple_choice", choices="red\ngreen\nblue", right_choices="1, 3")
    assert response.status_code == 302
    q.refresh_from_db()
    assert (q.question_type, q.choices, q.answer) == ("multiple_choice", ["red", "green", "blue"], [0, 2])


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"right_choices": "5"}, "right_choices", "choice 5 does not exist: there are 3 choices."),
    ({"right_choices": "1, 2"}, "right_choices", "A single-choice question has one right choice: give one number."),
    ({"right_choices": "two"}, "right_choices", "'two' is not a choice number: write numbers such as 2 or 1, 3."),
    ({"right_choices": ""}, "right_choices", "Give the number of the right choice, e.g. 2."),
    ({"choices": "only one"}, "choices", "Give 2 to 20 choices, one per line."),
    ({"question_type": "numeric", "choices": "", "right_number": ""}, "right_number", "Give the right number, e.g. 3.3."),
    ({"question_type": "short_text", "choices": "", "accepted_answers": ""}, "accepted_answers",
     "Give at least one accepted answer, one per line."),
    ({"question_type": "short_text", "choices": "", "text_match": "pattern", "accepted_answers": "(unclosed"}, "accepted_answers",
     "Not a valid regular expression: missing ), unterminated subpattern at position 0."),
    ({"right_choices": "3", "answer": "2"}, "answer", "You changed both this JSON and the answer fields above (Right choice(s)): keep one of the two."),
], ids=["missing-choice", "two-for-single", "not-a-number", "empty", "one-choice", "no-number", "no-accepted", "bad-pattern", "both"])
def test_a_wrong_answer_is_refused_beside_its_field(lms_world, coordinator, changes, field, message):
    q = question(lms_world, question_type="single_choice", choices=["red", "green", "blue"], answer=1)
    before = audit_count()
    response = post_question(coordinator, q, **changes)
    assert response.status_code == 200
    assert field_errors(response, "answer" if field == "answer" else field) == [message]
    if field != "answer":
        assert field_errors(response, "answer") == []  # not said twice, in the JSON box too
    q.refresh_from_db()
    assert (q.answer, audit_count()) == (1, before)


@pytest.mark.django_db
def test_the_json_box_still_takes_an_answer_for_power_users(lms_world, coordinator):
    q = question(lms_world, question_type="numeric", answer=2)
    response = post_question(coordinator, q, answer="2.5", tolerance="0.5")
    assert response.status_code == 302
    q.refresh_from_db()
    assert (q.answer, q.tolerance) == (2.5, 0.5)


@pytest.mark.django_db
def test_a_new_question_in_the_section_inline_takes_its_answer_from_the_fields(lms_world, coordinator):
    section = section_of(lms_world)
    url = reverse("admin:lms_modulesection_change", args=[section.pk])
    page = coordinator.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="questions-0-answer"' not in html and 'name="questions-__prefix__-right_choices"' in html
    data = admin_form_data(page)
    data.update({"questions-TOTAL_FORMS": "1", "questions-0-position": "3", "questions-0-question_type": "numeric",
                 "questions-0-prompt": "Watts?", "questions-0-right_number": "4", "questions-0-tolerance": "0.5",
                 "questions-0-points": "1", "questions-0-typed_fields": "1", "questions-0-text_match": "exact"})
    response = coordinator.post(url, data)
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"][0].formset.errors
    assert ModuleQuestion.objects.get(section=section, position=3).answer == 4

    data["questions-0-right_number"] = ""
    data["questions-0-position"] = "4"
    response = coordinator.post(url, data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0] == {"right_number": ["Give the right number, e.g. 3.3."]}


# ---------------------------------------------------------------- modules


def module_url(module):
    return reverse("admin:lms_module_change", args=[module.pk])


@pytest.mark.django_db
def test_a_module_shows_its_related_modules_and_rules_and_saves_unchanged(lms_world, coordinator):
    module = lms_world.draft
    Module.objects.filter(pk=module.pk).update(related_modules=["intro", "gone-module", "advanced"],
                                               adaptive_config={"rules": RULES, "note": "kept"})
    module.refresh_from_db()
    page = coordinator.get(module_url(module))
    form = page.context["adminform"].form
    assert form["related_modules"].value() == ["intro", "gone-module", "advanced"]
    assert ("gone-module", "gone-module (no such module)") in form.fields["related_modules"].choices
    rows = form["adaptive_rules"].value()
    assert rows[1] == {"id": "easier", "trigger": "failed_attempts", "attempts": "2", "at_section": "2", "action": "offer_variant",
                       "target_section": "5"}
    assert rows[2]["trigger"] == "pattern:rapid_progress"
    before_pk = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = coordinator.post(module_url(module), admin_form_data_with_rules(page))
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.related_modules == ["intro", "gone-module", "advanced"]
    assert module.adaptive_config == {"rules": RULES, "note": "kept"}
    # A module's save stamps updated_at (auto_now), audited; no other field changed.
    assert {key for changes in AuditLog.objects.filter(pk__gt=before_pk).values_list("changes", flat=True) for key in changes} <= {"updated_at"}


def admin_form_data_with_rules(page):
    """The page's data as the browser posts it: the rule rows by their own names."""
    data = admin_form_data(page)
    html_rows = page.context["adminform"].form["adaptive_rules"]
    data.pop(html_rows.html_name, None)
    widget_context = html_rows.field.widget.get_context(html_rows.html_name, html_rows.field.prepare_value(html_rows.value()), {})
    data[f"{html_rows.html_name}-rows"] = str(widget_context["widget"]["row_count"])
    for row in widget_context["widget"]["rows"]:
        for part in ("id", "trigger", "attempts", "at_section", "action", "target_section"):
            data[f"{row['prefix']}-{part}"] = row[part]
    return data


@pytest.mark.django_db
def test_rules_added_in_a_blank_row_are_stored_as_the_documented_json(lms_world, coordinator):
    module = lms_world.draft
    Module.objects.filter(pk=module.pk).update(adaptive_config={"rules": RULES[:1], "note": "kept"})
    page = coordinator.get(module_url(module))
    data = admin_form_data_with_rules(page)
    data.update({"adaptive_rules-1-trigger": "pattern:stuck", "adaptive_rules-1-action": "show_guided_prompts",
                 "adaptive_rules-1-target_section": "3", "related_modules": ["intro"]})
    response = coordinator.post(module_url(module), data)
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.adaptive_config == {"note": "kept", "rules": [
        RULES[0], {"when": {"pattern": "stuck"}, "then": {"action": "show_guided_prompts", "section": 3}}]}
    assert module.related_modules == ["intro"]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "message"), [
    ({"trigger": "failed_attempts", "action": "reveal_hint"}, "Rule 2: give the number of failed attempts, 1 to 100."),
    ({"trigger": "failed_attempts", "attempts": "2", "action": "offer_variant"}, "Rule 2: 'offer an easier section' needs the section to offer."),
    ({"action": "reveal_hint"}, "Rule 2: choose when it fires (failed attempts or a pattern)."),
    ({"id": "hint-q1", "trigger": "pattern:stuck", "action": "reveal_hint"}, "rule 2: id 'hint-q1' is used twice."),
], ids=["no-attempts", "variant-without-section", "no-trigger", "same-id"])
def test_a_wrong_rule_is_refused_beside_the_rules(lms_world, coordinator, row, message):
    module = lms_world.draft
    Module.objects.filter(pk=module.pk).update(adaptive_config={"rules": RULES[:1]})
    page = coordinator.get(module_url(module))
    data = admin_form_data_with_rules(page)
    data.update({f"adaptive_rules-1-{part}": value for part, value in row.items()})
    response = coordinator.post(module_url(module), data)
    assert response.status_code == 200
    assert field_errors(response, "adaptive_rules") == [message]
    assert field_errors(response, "adaptive_config") == []
    module.refresh_from_db()
    assert module.adaptive_config == {"rules": RULES[:1]}


@pytest.mark.django_db
def test_rules_the_rows_cannot_show_are_left_to_the_json(lms_world, coordinator):
    module = lms_world.draft
    odd = {"rules": "not a list"}
    Module.objects.filter(pk=module.pk).update(adaptive_config=odd)
    page = coordinator.get(module_url(module))
    assert page.context["adminform"].form.fields["adaptive_rules"].disabled
    assert '<fieldset class="adaptive-rules-rows" disabled>' in page.content.decode()
    data = admin_form_data_with_rules(page)
    data["adaptive_rules-0-trigger"] = "pattern:stuck"  # ignored: the rows are disabled
    response = coordinator.post(module_url(module), data)
    assert response.status_code == 200  # the stored JSON is refused by the model's check, beside the JSON
    assert field_errors(response, "adaptive_config") == ["rules must be a list of at most 50 rules."]


@pytest.mark.django_db
def test_faculty_read_a_sections_settings_as_tables_not_json(lms_world, login_client):
    section = section_of(lms_world)
    section.section_config = {"hints": ["Look at the label.", "Count the pins."], "max_attempts": 3}
    section.completion_criteria = {"type": "view", "seconds": 20}
    section.save()
    page = login_client(lms_world.users["faculty"]).get(reverse("admin:lms_modulesection_change", args=[section.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Count the pins." in html and "max_attempts" in html  # the stored values, as a table
    assert '<table class="json-table">' in html
    assert '"hints"' not in html and "{&quot;hints" not in html and "{&#x27;hints" not in html  # no JSON text of it
