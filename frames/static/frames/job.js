// The job page (admin/frames/agentlog/job.html): polls the job's status endpoint and moves the
// progress bar; when the job finishes, the page's job section is fetched again and swapped in
// (the report or the error, the retry button) without reloading the page.
(function () {
  "use strict";
  function start() {
    var root = document.querySelector(".job[data-status-url]");
    if (!root || root.dataset.finished === "1") return;
    var url = root.dataset.statusUrl;
    var bar = document.getElementById("job-progress");
    var delay = 1000;
    function text(id, value) {
      var node = document.getElementById(id);
      if (node) node.textContent = value;
    }
    function showFinished() {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".job[data-status-url]");
          if (!fresh) throw new Error("no job section");
          root.replaceWith(fresh);
        })
        .catch(function () { window.location.reload(); });
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (job) {
          if (job.percent !== null) { bar.value = job.percent; text("job-percent", job.percent + "%"); }
          else { bar.removeAttribute("value"); text("job-percent", ""); }
          text("job-count", job.total ? job.done + " / " + job.total : String(job.done || ""));
          text("job-progress-message", job.progress_message || "");
          text("job-status", job.status_display + (job.cancel_requested && !job.finished ? " (cancelling)" : ""));
          if (job.finished) { showFinished(); return; }
          delay = 1000;
          window.setTimeout(poll, delay);
        })
        .catch(function () { delay = Math.min(delay * 2, 15000); window.setTimeout(poll, delay); });
    }
    window.setTimeout(poll, 500);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
