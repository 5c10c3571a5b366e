/* Sandbox sections: Run and Check the student's Python in a Web Worker (Pyodide from
   our own static files), show stdout/stderr, stop a run at the section's time limit
   (terminate the worker, start a fresh one), and report each run to the server, which
   records the events and completes the section on a passing Check. The editor is a
   plain textarea: readable without JavaScript, works with screen readers, and Tab
   indents (Escape, then Tab, leaves the field). No inline script (CSP). */
(function () {
  "use strict";
  var box = document.getElementById("sandbox");
  if (!box || !window.Worker || !window.fetch) { return; }
  var specNode = document.getElementById("sandbox-spec");
  var spec = specNode ? JSON.parse(specNode.textContent) : null;
  var runButton = document.getElementById("sandbox-run");
  var checkButton = document.getElementById("sandbox-check");
  var statusNode = document.getElementById("sandbox-status");
  var stdoutNode = document.getElementById("sandbox-stdout");
  var stderrNode = document.getElementById("sandbox-stderr");
  var resultNode = document.getElementById("sandbox-result");
  var csrf = (document.querySelector("#lms-player input[name=csrfmiddlewaretoken]") || {}).value || "";
  var limitMs = (parseInt(box.dataset.timeLimit, 10) || 10) * 1000;
  var worker = null, ready = false, busy = false, timer = null, pending = null;

  // Tab indents inside the editor; Escape lets the next Tab move focus on.
  box.querySelectorAll("textarea[data-file]").forEach(function (area) {
    var escaped = false;
    area.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { escaped = true; return; }
      if (e.key !== "Tab" || escaped) { escaped = false; return; }
      e.preventDefault();
      var start = area.selectionStart, end = area.selectionEnd, text = area.value;
      if (e.shiftKey) {
        var lineStart = text.lastIndexOf("\n", start - 1) + 1;
        if (text.slice(lineStart, lineStart + 4) === "    ") {
          area.value = text.slice(0, lineStart) + text.slice(lineStart + 4);
          area.selectionStart = area.selectionEnd = Math.max(lineStart, start - 4);
        }
      } else {
        area.value = text.slice(0, start) + "    " + text.slice(end);
        area.selectionStart = area.selectionEnd = start + 4;
      }
    });
  });

  function setStatus(text) { if (statusNode) { statusNode.textContent = text; } }
  function setButtons(enabled) {
    [runButton, checkButton].forEach(function (b) { if (b) { b.disabled = !enabled; } });
  }

  function startWorker() {
    ready = false;
    setButtons(false);
    setStatus("Starting Python…");
    worker = new Worker(box.dataset.workerUrl, { type: "module" });
    worker.onmessage = function (event) {
      var msg = event.data || {};
      if (msg.type === "ready") { ready = true; if (!busy) { setButtons(true); } setStatus("Python ready."); box.dataset.state = "ready"; }
      else if (msg.type === "failed") { setStatus("Python could not start: " + msg.error); box.dataset.state = "failed"; }
      else if (msg.type === "result" && pending) { finish(msg, false); }
    };
    worker.onerror = function (e) { setStatus("Python could not start: " + (e.message || "worker error")); box.dataset.state = "failed"; };
    worker.postMessage({ type: "init", indexURL: box.dataset.runnerUrl });
  }

  function currentFiles() {
    var files = {};
    box.querySelectorAll("textarea[data-file]").forEach(function (area) { files[area.dataset.file] = area.value; });
    return files;
  }

  function run(action) {
    if (!ready || busy) { return; }
    busy = true;
    setButtons(false);
    box.dataset.state = "running";
    setStatus(action === "check" ? "Checking…" : "Running…");
    stdoutNode.textContent = ""; stderrNode.textContent = ""; stderrNode.hidden = true;
    if (resultNode) { resultNode.textContent = ""; resultNode.className = "sandbox-result"; }
    var files = currentFiles();
    pending = { action: action, files: files, started: Date.now() };
    worker.postMessage({ type: "run", files: files, entry: spec.entry, tests: action === "check" && spec.tests.length ? spec.tests : null });
    timer = setTimeout(function () {
      // Runaway code: the only way to stop Python in a worker is to end the worker.
      worker.terminate();
      finish({ stdout: "", stderr: "", error: null, tests: [], duration_ms: Date.now() - pending.started }, true);
      startWorker();
    }, limitMs);
  }

  function finish(msg, timedOut) {
    clearTimeout(timer);
    var job = pending;
    pending = null;
    stdoutNode.textContent = msg.stdout || (timedOut ? "" : "(no output)");
    if (msg.stderr || timedOut) {
      stderrNode.hidden = false;
      stderrNode.textContent = timedOut ? "Stopped: the run took longer than " + (limitMs / 1000) + " seconds." : msg.stderr;
    }
    box.dataset.state = timedOut ? "timed-out" : "done";
    box.dataset.lastRun = timedOut ? "timed-out" : "done";
    setStatus(timedOut ? "Stopped after " + (limitMs / 1000) + " seconds." : "Finished in " + msg.duration_ms + " ms.");
    // One report at a time, in order: the server compares each run's code with the last one.
    report(job, msg, timedOut).then(function () { busy = false; if (ready) { setButtons(true); } });
  }

  function report(job, msg, timedOut) {
    var body = { action: job.action, files: job.files, stdout: msg.stdout || "", stderr: msg.stderr || "", error: msg.error || null,
                 timed_out: timedOut, tests: msg.tests || [], duration_ms: msg.duration_ms || 0 };
    return fetch(box.dataset.resultUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { if (resultNode) { resultNode.textContent = res.body.detail || "The result was refused."; } return; }
        if (job.action === "check" && resultNode) {
          resultNode.textContent = res.body.message;
          resultNode.className = "sandbox-result " + (res.body.passed ? "pass" : "fail");
          box.dataset.passed = res.body.passed ? "true" : "false";
        }
        if (window.lmsPlayer) { window.lmsPlayer.apply(res.body); }
      })
      .catch(function () { if (resultNode) { resultNode.textContent = "Could not reach the server; your run was not recorded."; } });
  }

  if (runButton) { runButton.addEventListener("click", function () { run("run"); }); }
  if (checkButton) { checkButton.addEventListener("click", function () { run("check"); }); }
  if (box.dataset.runner === "ready" && spec) { startWorker(); }
})();
