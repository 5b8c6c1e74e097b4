/* Releases page (leads): while a release is being made in the background, ask the status
 * endpoint every few seconds and show the page again once no request is queued or running. */
(function () {
  "use strict";

  var box = document.getElementById("release-jobs");
  if (!box || !box.dataset.statusUrl) return;
  var delay = 2000;

  function check() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (state) {
        if (!state.active) {
          window.location.reload();
          return;
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
