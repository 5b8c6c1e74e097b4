/* Reliability page: while figures are being computed in the background, ask the status
 * endpoint (data-status-url) every few seconds and reload the page once the computation has
 * finished (new figures, or a failure to show). No inline script: the CSP forbids it. */
(function () {
  "use strict";

  var box = document.getElementById("reliability-status");
  if (!box || box.dataset.status !== "computing") return;
  var url = box.dataset.statusUrl;
  var shown = box.dataset.snapshot || "";
  var delay = 2000;

  function check() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (state) {
        if (state.status !== "computing" || String(state.snapshot || "") !== shown) {
          window.location.reload();
          return;
        }
        schedule();
      })
      .catch(function () {
        // A network hiccup or a restarting server: try again, less often.
        delay = Math.min(delay * 2, 30000);
        schedule();
      });
  }

  function schedule() {
    window.setTimeout(check, delay);
  }

  schedule();
})();
