/* The line charts' legends (frames/charts.py `legend`): without this script each entry is
   a link that highlights its line on the server; with it, each entry becomes a button that
   highlights its line in place (one at a time, the others muted; pressed again: none) and a
   checkbox that shows or hides the line. Served from 'self' (CSP: no inline script). */
(function () {
  "use strict";

  function enhance(legend) {
    var chart = document.getElementById(legend.getAttribute("data-chart"));
    if (!chart) { return; }
    var groups = {};
    chart.querySelectorAll("g.series[data-series]").forEach(function (g) { groups[g.getAttribute("data-series")] = g; });
    var buttons = [];

    function highlight(key) {
      Object.keys(groups).forEach(function (k) {
        groups[k].classList.toggle("is-highlighted", key !== null && k === key);
        groups[k].classList.toggle("is-muted", key !== null && k !== key);
      });
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-series") === key)); });
    }

    legend.querySelectorAll("li[data-series]").forEach(function (item) {
      var key = item.getAttribute("data-series");
      if (!groups[key]) { return; }
      var link = item.querySelector("a");
      var label = (link || item).textContent.trim();
      var swatch = item.querySelector("svg.swatch");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "legend-pick";
      button.setAttribute("data-series", key);
      button.setAttribute("aria-pressed", String(Boolean(link && link.hasAttribute("aria-current"))));
      if (swatch) { button.appendChild(swatch); }
      button.appendChild(document.createTextNode(label));
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.className = "legend-show";
      box.setAttribute("aria-label", "Show " + label);
      item.textContent = "";
      item.appendChild(box);
      item.appendChild(button);
      buttons.push(button);
      button.addEventListener("click", function () {
        var on = button.getAttribute("aria-pressed") !== "true";
        if (on && !box.checked) { box.checked = true; groups[key].classList.remove("is-hidden"); item.classList.remove("is-off"); }
        highlight(on ? key : null);
      });
      box.addEventListener("change", function () {
        groups[key].classList.toggle("is-hidden", !box.checked);
        item.classList.toggle("is-off", !box.checked);
        if (!box.checked && button.getAttribute("aria-pressed") === "true") { highlight(null); }
      });
    });
    legend.classList.add("is-interactive");
    var help = document.getElementById(legend.getAttribute("data-chart") + "-help");
    if (help) { help.textContent = "Press a skill to highlight its line; untick it to hide the line."; }
  }

  document.querySelectorAll("ul.chart-legend[data-chart]").forEach(enhance);
}());
