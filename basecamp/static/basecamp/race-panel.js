/* The player's race panel follows the progress without a reload: player.js announces each
   answer of the events API ("lms:progress"); when a section completes, the panel is fetched
   again from the server (basecamp:race-panel), so its numbers are the recorded ones. */
(function () {
  "use strict";
  if (window.bcRacePanel || !window.fetch || !window.DOMParser) { return; }
  window.bcRacePanel = true;
  var seen = null;
  document.addEventListener("lms:progress", function (e) {
    var panel = document.querySelector("[data-race-panel]");
    if (!panel) { return; }
    var done = 0;
    ((e.detail && e.detail.progress) || []).forEach(function (p) { done += (p.completed_sections || []).length; });
    if (seen !== null && done === seen) { return; }
    seen = done;
    fetch(panel.dataset.racePanel, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-race-panel]");
        var current = document.querySelector("[data-race-panel]");
        if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
      });
  });
})();
