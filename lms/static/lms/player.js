/* Module player: sends analytics events in batches to the LMS API, keeps the
   progress bar, section ticks and completion box current from the answers, and
   shows a module the moment it unlocks. No inline script (CSP). */
(function () {
  "use strict";
  var root = document.getElementById("lms-player");
  if (!root || !window.fetch) { return; }
  var moduleId = parseInt(root.dataset.moduleId, 10);
  var section = parseInt(root.dataset.sectionNumber, 10);
  var eventsUrl = root.dataset.eventsUrl;
  var stateUrl = root.dataset.stateUrl;
  var csrf = (root.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var HEARTBEAT = 10, IDLE = 30, MAX_BATCH = 100;
  var queue = [], sending = false, paused = false, lastActive = Date.now(), activeSeconds = 0;
  var sessionId = sessionStorage.getItem("lms-session");
  if (!sessionId) { sessionId = "s-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); sessionStorage.setItem("lms-session", sessionId); }
  var width = window.innerWidth || 1024;
  var device = width < 600 ? "phone" : (width < 1024 ? "tablet" : "desktop");

  function push(type, data, urgent) {
    var ev = { module: moduleId, event_type: type, section_number: section, session_id: sessionId, device_type: device, timestamp: new Date().toISOString() };
    if (data) { ev.event_data = data; }
    queue.push(ev);
    if (urgent || queue.length >= MAX_BATCH) { flush(); }
  }

  function flush(keepalive) {
    if (sending || !queue.length) { return; }
    var batch = queue.splice(0, MAX_BATCH);
    sending = true;
    fetch(eventsUrl, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(batch)
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    }).then(function (res) {
      sending = false;
      if (res.ok) { apply(res.body); } else if (res.status >= 500 || res.status === 429) { queue = batch.concat(queue); }
      else if (window.console) { console.warn("events refused", res.body); }
      if (queue.length) { setTimeout(flush, 500); }
    }).catch(function () { sending = false; queue = batch.concat(queue); });
  }

  function apply(body) {
    (body.progress || []).forEach(function (p) {
      if (p.module !== moduleId) { return; }
      var bar = document.getElementById("module-bar");
      if (bar) { bar.setAttribute("aria-valuenow", p.progress_percent); bar.firstElementChild.style.width = p.progress_percent + "%"; }
      var pct = document.getElementById("module-percent");
      if (pct) { pct.textContent = p.progress_percent + "% complete" + (p.status === "completed" ? " · Completed" : ""); }
      root.dataset.progressPercent = p.progress_percent;
      var doneCount = document.getElementById("sections-done");
      if (doneCount) { doneCount.textContent = (p.completed_sections || []).length; }
      (p.completed_sections || []).forEach(function (n) {
        var li = root.querySelector('.section-nav li[data-section="' + n + '"]');
        if (li && !li.classList.contains("done")) {
          li.classList.add("done");
          var tick = li.querySelector(".tick"); if (tick) { tick.textContent = "✓"; }
        }
        if (n === section) { sectionDone(); }
      });
      if (p.status === "completed") { moduleDone(); }
    });
    if (body.unlocked && body.unlocked.length) { showUnlocked(body.unlocked); }
    // Panels of other apps (basecamp's race) follow the progress too.
    document.dispatchEvent(new CustomEvent("lms:progress", { detail: body }));
  }

  function sectionDone() {
    if (root.dataset.sectionDone === "true") { return; }
    root.dataset.sectionDone = "true";
    var status = document.getElementById("section-status");
    if (status) { status.innerHTML = '<span class="badge ok">Section completed</span>'; }
    var btn = document.getElementById("mark-done");
    if (btn) { btn.disabled = true; btn.textContent = "Done"; }
  }

  function moduleDone() {
    root.dataset.moduleStatus = "completed";
    var box = document.getElementById("completion-box");
    if (box) { box.hidden = false; }
    var restartForm = document.getElementById("restart-form");
    if (restartForm) { restartForm.hidden = true; }
  }

  function showUnlocked(list) {
    var holder = document.getElementById("unlocked");
    if (!holder) { return; }
    holder.textContent = "";
    var p = document.createElement("p"); var strong = document.createElement("strong");
    strong.textContent = "Now unlocked:"; p.appendChild(strong); holder.appendChild(p);
    var ul = document.createElement("ul");
    list.forEach(function (m) {
      var li = document.createElement("li"); var a = document.createElement("a");
      a.href = m.url || ("/learn/m/" + encodeURIComponent(m.module_id) + "/"); a.textContent = m.title;
      a.className = "unlocked-link"; li.appendChild(a); ul.appendChild(li);
    });
    holder.appendChild(ul);
    var toast = document.createElement("div");
    toast.className = "toast"; toast.setAttribute("role", "status");
    toast.textContent = "Unlocked: ";
    var a2 = document.createElement("a"); a2.href = list[0].url || ("/learn/m/" + encodeURIComponent(list[0].module_id) + "/");
    a2.textContent = list[0].title; toast.appendChild(a2);
    document.body.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 8000);
  }

  // Section widgets (sandbox.js) report through the same progress display and queue.
  window.lmsPlayer = { apply: apply, push: push };

  // On a phone the section list starts folded, so the section comes first.
  var details = document.getElementById("section-details");
  if (details && window.matchMedia && window.matchMedia("(max-width: 900px)").matches) { details.open = false; }

  // Activity, pauses (idle > 30 s) and heartbeats of active time.
  ["mousemove", "keydown", "scroll", "touchstart", "click"].forEach(function (name) {
    window.addEventListener(name, function () {
      lastActive = Date.now();
      if (paused) { paused = false; push("resume", null, true); }
    }, { passive: true });
  });
  setInterval(function () {
    if (document.hidden) { return; }
    if (!paused && Date.now() - lastActive > IDLE * 1000) { paused = true; push("pause", { idle_seconds: IDLE }, true); return; }
    if (!paused) {
      activeSeconds += 1;
      if (activeSeconds >= HEARTBEAT) { push("heartbeat", { seconds: activeSeconds }, true); activeSeconds = 0; }
    }
  }, 1000);
  document.addEventListener("visibilitychange", function () { if (document.hidden) { flush(true); } });
  window.addEventListener("pagehide", function () {
    if (activeSeconds > 0) { push("heartbeat", { seconds: activeSeconds }); activeSeconds = 0; }
    flush(true);
  });

  // Checklist ticks.
  root.querySelectorAll(".checklist input[type=checkbox][data-item]").forEach(function (box) {
    box.addEventListener("change", function () {
      push("checklist_tick", { item: parseInt(box.dataset.item, 10), checked: box.checked }, true);
    });
  });
  // Mark as done.
  var doneForm = document.getElementById("done-form");
  if (doneForm) {
    doneForm.addEventListener("submit", function (e) { e.preventDefault(); push("mark_done", null, true); });
  }
  // Hints, one at a time.
  var hintButton = document.getElementById("hint-button");
  if (hintButton) {
    hintButton.addEventListener("click", function () {
      var next = root.querySelector("#hint-list li[hidden]");
      if (next) { next.hidden = false; push("hint_used", { hint: Array.prototype.indexOf.call(next.parentNode.children, next) }, true); }
      if (!root.querySelector("#hint-list li[hidden]")) { hintButton.disabled = true; hintButton.textContent = "No more hints"; }
    });
  }
  // Links out of the page: send what is queued first.
  root.querySelectorAll("a[href]").forEach(function (a) {
    a.addEventListener("click", function () {
      if (activeSeconds > 0) { push("heartbeat", { seconds: activeSeconds }); activeSeconds = 0; }
      flush(true);
    });
  });
  // Ask once for the state (a module may have unlocked in another tab).
  if (root.dataset.moduleStatus === "completed" && stateUrl) {
    fetch(stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s && s.unlocked && s.unlocked.length && !document.querySelector("#unlocked a")) { showUnlocked(s.unlocked); } });
  }
})();
