"use strict";
// The plan page while a plan in money is computed: ask its status every
// two seconds, show how far it has come, and load the page again when it
// is done. A file of its own: the dashboard's CSP allows no inline script.
(function () {
  const section = document.getElementById("plan-progress");
  if (!section || !section.dataset.status) {
    return;
  }
  const set = function (cls, text) {
    const el = section.querySelector("." + cls);
    if (el) {
      el.textContent = text;
    }
  };
  const ask = function () {
    fetch(section.dataset.status, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error("status " + res.status);
        }
        return res.json();
      })
      .then(function (st) {
        section.dataset.state = st.state;
        set("job-measured", String(st.measured));
        set("job-candidates", String(st.candidates));
        set("job-steps", String(st.steps));
        const bar = section.querySelector(".job-bar");
        if (bar) {
          bar.max = Math.max(1, st.candidates);
          bar.value = st.measured;
        }
        if (st.state === "queued" || st.state === "running") {
          set("job-state", st.state === "queued" ? "Waiting its turn (one plan in money is computed at a time)" : "Measuring the candidate changes");
          window.setTimeout(ask, 2000);
        } else if (st.state === "done") {
          window.location.reload();
        } else {
          set("job-state", "Stopped: " + (st.error || st.state));
        }
      })
      .catch(function (err) {
        set("job-state", "Could not ask how far the plan has come (" + err.message + "); load the page again");
      });
  };
  window.setTimeout(ask, 1000);
})();
