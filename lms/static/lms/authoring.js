/* Section authoring form (lms/forms.py): shows the fieldsets of the chosen section type and
   the parameter of the chosen completion rule, and previews Markdown in place through the
   staff-only endpoint. Without JavaScript every fieldset shows and Preview submits the form.
   No inline script (CSP). */
(function () {
  "use strict";
  function init() {
  var type = document.getElementById("id_section_type");
  function syncType() {
    if (!type) { return; }
    document.querySelectorAll("fieldset[class*='type-']").forEach(function (fs) {
      fs.hidden = !fs.classList.contains("type-" + type.value);
    });
  }
  var PARAMS = { view: ["criteria_seconds"], time: ["criteria_time"], score: ["criteria_min", "criteria_attempt"], task: ["criteria_tasks"] };
  var ALL = ["criteria_seconds", "criteria_time", "criteria_min", "criteria_attempt", "criteria_tasks"];
  var criteria = document.getElementById("id_criteria_type");
  function syncCriteria() {
    if (!criteria) { return; }
    var shown = PARAMS[criteria.value] || [];
    ALL.forEach(function (name) {
      var input = document.getElementById("id_" + name);
      var row = input && input.closest(".form-row");
      // A row with an error stays visible, whatever the rule.
      if (row) { row.hidden = shown.indexOf(name) === -1 && !row.querySelector(".errorlist"); }
    });
  }
  if (type) { type.addEventListener("change", syncType); syncType(); }
  if (criteria) { criteria.addEventListener("change", syncCriteria); syncCriteria(); }

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  document.querySelectorAll("[data-md-preview]").forEach(function (button) {
    if (!window.fetch) { return; }
    button.addEventListener("click", function (e) {
      var source = document.getElementById(button.dataset.mdSource);
      var target = document.getElementById(button.dataset.mdTarget);
      if (!source || !target) { return; }
      e.preventDefault();
      fetch(button.dataset.mdUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
        body: JSON.stringify({ text: source.value })
      }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          // The server's sanitised HTML (lms.rendering: markdown + nh3), the same the learner pages show.
          if (res.ok) { target.innerHTML = res.body.html || "<p><em>Nothing to show.</em></p>"; }
          else { target.textContent = res.body.detail || "Could not render the preview."; }
          target.hidden = false;
        });
    });
  });
  }
  // The admin loads form media in the page's head: wait for the form.
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
