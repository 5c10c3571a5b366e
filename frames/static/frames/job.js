// The job page (admin/frames/agentlog/job.html): polls the job's status endpoint and moves the
// progress bar. When the job starts or finishes, the page's job section is fetched again and
// swapped in (its times, the report or the error, the cancel and retry buttons) without
// reloading the page.
(function () {
  "use strict";
  function start() {
    var root = document.querySelector(".job[data-status-url]");
    if (!root || root.dataset.finished === "1") return;
    var url = root.dataset.statusUrl;
    var status = root.dataset.status;
    var delay = 1000;
    function text(id, value) {
      var node = document.getElementById(id);
      if (node) node.textContent = value;
    }
    function later() { window.setTimeout(poll, delay); }
    function refresh(then) {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".job[data-status-url]");
          if (!fresh) throw new Error("no job section");
          root.replaceWith(fresh);
          root = fresh;
          if (then) then();
        })
        .catch(function () { window.location.reload(); });
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (job) {
          var bar = document.getElementById("job-progress");
          if (job.percent !== null) { bar.value = job.percent; text("job-percent", job.percent + "%"); }
          else { bar.removeAttribute("value"); text("job-percent", ""); }
          text("job-count", job.total ? job.done + " / " + job.total : String(job.done || ""));
          text("job-progress-message", job.progress_message || "");
          text("job-status", job.status_display + (job.cancel_requested && !job.finished ? " (cancelling)" : ""));
          delay = 1000;
          if (job.finished) { refresh(); return; }
          if (job.status !== status) { status = job.status; refresh(later); return; }  // it started: its times
          later();
        })
        .catch(function () { delay = Math.min(delay * 2, 15000); later(); });
    }
    window.setTimeout(poll, 500);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
