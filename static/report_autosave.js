// Autosave of a service report's form (templates/views/report_form.html).
// Progressive enhancement only: without this file the form saves by its
// button. Two seconds after the last change it posts the form as the button
// would, asking for a JSON answer (X-Autosave), and keeps the version it is
// based on; a save refused because someone else saved first (409) stops
// autosaving and says so, instead of overwriting their work.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var status = document.getElementById("autosave-status");
  var version = document.getElementById("f-version");
  var timer = null, busy = false, again = false, stopped = false;

  function say(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "autosave-status" + (kind ? " autosave-" + kind : "");
  }

  function save() {
    timer = null;
    if (stopped) { return; }
    if (busy) { again = true; return; }
    busy = true;
    say(form.getAttribute("data-msg-saving"), "");
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Autosave": "1", "Accept": "application/json" }
    }).then(function (res) {
      return res.json().then(function (data) { return { status: res.status, data: data }; });
    }).then(function (r) {
      busy = false;
      if (r.status === 200) {
        version.value = r.data.version;
        if (form.getAttribute("action") !== r.data.action) {
          // A new report now exists: later saves edit it.
          form.setAttribute("action", r.data.action);
          if (window.history && history.replaceState) { history.replaceState(null, "", r.data.edit); }
        }
        say(r.data.message, "ok");
        if (again) { again = false; schedule(); }
        return;
      }
      if (r.status === 409) { stopped = true; }
      say(r.data.message || form.getAttribute("data-msg-failed"), r.status === 409 ? "conflict" : "error");
    }).catch(function () {
      busy = false;
      say(form.getAttribute("data-msg-failed"), "error");
    });
  }

  function schedule() {
    if (stopped) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 2000);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () { if (timer) { clearTimeout(timer); timer = null; } stopped = true; });
})();
