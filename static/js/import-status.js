/* Import page: while a file is being checked or imported in the background, ask the status
 * endpoint every second or two move the progress bar, and show the page again when the state changes. */
(function () {
  "use strict";

  var box = document.getElementById("import-status");
  if (!box || ["checking", "queued", "running"].indexOf(box.dataset.status) === -1) return;
  var delay = 1500;
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  // The stage is a key the server sends (coding/imports/services.py); its name to show.
  var STAGES = { reading: gettext("reading"), writing: gettext("writing"), comparing: gettext("comparing") };

  function check() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (state) {
        if (state.status !== box.dataset.status) {
          window.location.reload();
          return;
        }
        // Running: move the bar in place.
        var bar = box.querySelector("progress");
        var text = box.querySelector("[data-progress-text]");
        if (state.total && bar) bar.value = Math.round((100 * state.done) / state.total);
        if (state.total && text) {
          text.textContent = interpolate(gettext("%(stage)s, %(done)s of %(total)s"), {
            stage: STAGES[state.stage] || state.stage, done: numbers.format(state.done),
            total: numbers.format(state.total)
          }, true);
        }
        window.setTimeout(check, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(check, delay);
      });
  }

  window.setTimeout(check, delay);
})();
