/* Sandbox runner: a module Web Worker that runs a student's Python with Pyodide,
   loaded from the project's own static files (make install copies it from npm).
   The page terminates this worker when a run passes its time limit and starts a new one,
   so a runaway loop never freezes the page.

   Messages in:  {type: "init", indexURL}
                 {type: "run", files: {name: text}, entry, tests: [{name, code}] | null}
   Messages out: {type: "ready"} | {type: "failed", error}
                 {type: "result", stdout, stderr, error, tests: [{name, passed, message}], duration_ms} */
let pyodide = null;
const HOME = "/home/pyodide/sandbox";

function lastLine(text) {
  const lines = String(text || "").trim().split("\n");
  return lines[lines.length - 1] || "Error";
}

// The student's frames only: Pyodide's own frames say nothing to a learner.
function cleanTraceback(text) {
  return String(text || "").split("\n").filter((line, i, all) => {
    if (/File "\/lib\/python/.test(line)) { return false; }
    const prev = all[i - 1] || "";
    return !(/^\s{4}/.test(line) && /File "\/lib\/python/.test(prev));
  }).join("\n");
}

async function init(indexURL) {
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  pyodide = await loadPyodide({ indexURL: indexURL, fullStdLib: false });
  pyodide.setStdin({ error: true });
  pyodide.FS.mkdirTree(HOME);
  pyodide.runPython(`import sys\nif ${JSON.stringify(HOME)} not in sys.path: sys.path.insert(0, ${JSON.stringify(HOME)})`);
}

function run(msg) {
  const started = performance.now();
  let stdout = [];
  let stderr = [];
  pyodide.setStdout({ batched: (s) => stdout.push(s) });
  pyodide.setStderr({ batched: (s) => stderr.push(s) });
  const names = Object.keys(msg.files);
  // A fresh directory and module cache for every run: the code is the student's current text.
  for (const name of pyodide.FS.readdir(HOME)) {
    if (name !== "." && name !== "..") { pyodide.FS.unlink(HOME + "/" + name); }
  }
  names.forEach((name) => pyodide.FS.writeFile(HOME + "/" + name, msg.files[name]));
  const stems = names.filter((n) => n.endsWith(".py")).map((n) => n.slice(0, -3));
  pyodide.runPython(`import sys, importlib\nfor _m in ${JSON.stringify(stems)}: sys.modules.pop(_m, None)\nimportlib.invalidate_caches()`);
  const ns = pyodide.globals.get("dict")();
  ns.set("__name__", "__main__");
  let error = null;
  try {
    pyodide.runPython(msg.files[msg.entry], { globals: ns, filename: msg.entry });
  } catch (e) {
    const text = cleanTraceback(e.message);
    stderr.push(text);
    error = lastLine(text);
  }
  const mainOut = stdout.join("\n") + (stdout.length ? "\n" : "");
  const tests = [];
  if (msg.tests && !error) {
    for (const test of msg.tests) {
      try {
        pyodide.runPython(test.code, { globals: ns, filename: "test " + test.name });
        tests.push({ name: test.name, passed: true, message: "" });
      } catch (e) {
        tests.push({ name: test.name, passed: false, message: lastLine(cleanTraceback(e.message)) });
      }
    }
  }
  ns.destroy();
  return { type: "result", stdout: mainOut, stderr: stderr.join("\n"), error: error, tests: tests,
           duration_ms: Math.round(performance.now() - started) };
}

self.onmessage = async (event) => {
  const msg = event.data || {};
  if (msg.type === "init") {
    try { await init(msg.indexURL); self.postMessage({ type: "ready" }); }
    catch (e) { self.postMessage({ type: "failed", error: String(e && e.message || e) }); }
  } else if (msg.type === "run" && pyodide) {
    self.postMessage(run(msg));
  }
};
