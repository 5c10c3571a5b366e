/* Quiz, hints and buddy on quiz and guided-struggle sections. The forms work without
   JavaScript (they post and the page reloads); with it they post JSON and update in
   place. Grading happens on the server: this file never sees a correct answer.
   Progress in the answers goes to player.js (window.lmsPlayer.apply). */
(function () {
  "use strict";
  var root = document.getElementById("lms-player");
  if (!root || !window.fetch) { return; }
  var csrf = (root.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function addHint(text) {
    var list = document.getElementById("revealed-hints");
    if (!list) { return; }
    var known = Array.prototype.map.call(list.children, function (li) { return li.textContent; });
    if (known.indexOf(text) === -1) { list.appendChild(el("li", "", text)); }
  }

  function showHelp(help) {
    var box = document.getElementById("adaptive-help");
    if (!box || !help) { return; }
    (help.variants || []).forEach(function (v) {
      if (box.querySelector('[data-help="variant"]')) { return; }
      var p = el("p", "card help variant", "Want a gentler way in? ");
      p.dataset.help = "variant";
      var a = el("a", "", "Try " + v.title); a.href = v.url; p.appendChild(a); p.appendChild(document.createTextNode(", then come back."));
      box.appendChild(p);
    });
    if (help.prompts && !box.querySelector('[data-help="prompts"]')) {
      var div = el("div", "card help prompts"); div.dataset.help = "prompts";
      div.appendChild(el("p", "", "Take it one step at a time. Some questions to ask yourself:"));
      var ul = el("ul");
      help.prompts.items.forEach(function (t) { ul.appendChild(el("li", "", t)); });
      div.appendChild(ul);
      var link = el("a", "", "Work through it with the buddy"); link.href = help.prompts.url;
      var p2 = el("p"); p2.appendChild(link); div.appendChild(p2);
      box.appendChild(div);
    }
  }

  // ---- the quiz
  var form = document.getElementById("quiz-form");
  var quiz = document.getElementById("quiz");
  if (form && quiz) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var answers = {};
      form.querySelectorAll("fieldset[data-question]").forEach(function (fs) {
        var id = fs.dataset.question, type = fs.dataset.type, name = "q-" + id;
        if (type === "multiple_choice") {
          var picked = Array.prototype.map.call(fs.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return parseInt(i.value, 10); });
          if (picked.length) { answers[id] = picked; }
        } else if (type === "single_choice") {
          var one = fs.querySelector('input[name="' + name + '"]:checked');
          if (one) { answers[id] = parseInt(one.value, 10); }
        } else {
          var input = fs.querySelector('input[name="' + name + '"]');
          if (input && input.value.trim() !== "") { answers[id] = input.value; }
        }
      });
      var button = document.getElementById("quiz-submit");
      if (button) { button.disabled = true; }
      post(quiz.dataset.quizUrl, { answers: answers }).then(function (res) {
        var out = document.getElementById("quiz-result");
        if (!res.ok) {
          if (out) { out.textContent = res.data.detail || "Could not submit."; }
          if (button) { button.disabled = false; }
          return;
        }
        var d = res.data;
        (d.results || []).forEach(function (r) {
          var fs = document.getElementById("question-" + r.question);
          if (!fs) { return; }
          fs.classList.remove("right", "wrong"); fs.classList.add(r.correct ? "right" : "wrong");
          var fb = fs.querySelector("[data-feedback]");
          if (fb) {
            fb.textContent = "";
            fb.appendChild(el("span", r.correct ? "badge ok" : "badge warn", r.correct ? "Right" : "Not quite"));
            if (r.explanation) { fb.appendChild(document.createTextNode(" " + r.explanation)); }
          }
        });
        if (out) {
          out.textContent = "Attempt " + d.attempt + ": " + d.score + "% — " + (d.passed ? "passed." : "not passed yet.");
          if (d.rules && d.rules.closed) { out.textContent += " No attempts left."; }
          else if (d.rules && d.rules.wait_seconds) { out.textContent += " You can try again in " + d.rules.wait_seconds + " s."; }
        }
        var left = document.getElementById("quiz-left");
        if (left && d.rules && d.rules.limit) { left.textContent = d.rules.left + " of " + d.rules.limit + " attempts left."; }
        (d.hints || []).forEach(addHint);
        if ((d.hints || []).length && !document.getElementById("hints")) { window.location.reload(); return; }
        showHelp(d.help);
        if (button) {
          button.textContent = "Try again";
          var wait = (d.rules && d.rules.wait_seconds) || 0;
          if (!(d.rules && d.rules.closed)) { setTimeout(function () { button.disabled = false; }, wait * 1000); }
        }
        if (window.lmsPlayer) { window.lmsPlayer.apply(d); }
      }).catch(function () { if (button) { button.disabled = false; } });
    });
  }

  // ---- hints, one at a time (the server records each)
  var hintForm = document.getElementById("hint-form");
  if (hintForm) {
    hintForm.addEventListener("submit", function (e) {
      e.preventDefault();
      post(hintForm.action).then(function (res) {
        if (!res.ok) { return; }
        addHint(res.data.text);
        if (!res.data.left) { var b = document.getElementById("reveal-hint"); if (b) { b.disabled = true; b.textContent = "No more hints"; } }
      });
    });
  }

  // ---- the buddy
  var buddyForm = document.getElementById("buddy-form");
  if (buddyForm) {
    buddyForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var box = document.getElementById("buddy-message");
      var text = box ? box.value.trim() : "";
      var log = document.getElementById("buddy-log");
      post(buddyForm.action, { message: text }).then(function (res) {
        if (!res.ok || !log) { return; }
        var placeholder = log.querySelector("li.muted"); if (placeholder) { placeholder.remove(); }
        if (text) { var mine = el("li", "from-you"); mine.appendChild(el("span", "muted small", "You: ")); mine.appendChild(document.createTextNode(text)); log.appendChild(mine); }
        var li = el("li", "from-buddy"); li.appendChild(el("span", "muted small", "Buddy: ")); li.appendChild(document.createTextNode(res.data.reply));
        log.appendChild(li);
        if (box) { box.value = ""; }
      });
    });
  }
})();
