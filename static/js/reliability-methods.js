// The reliability page's methods text: copy the (possibly edited) textarea to the clipboard.
(function () {
  "use strict";
  var button = document.getElementById("methods-copy");
  if (!button) { return; }
  var area = document.getElementById(button.dataset.target);
  var status = document.getElementById("methods-copy-status");
  button.addEventListener("click", function () {
    var done = function () { if (status) { status.textContent = button.dataset.done; } };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(area.value).then(done, function () {
        area.select(); document.execCommand("copy"); done();
      });
    } else {
      area.select(); document.execCommand("copy"); done();
    }
  });
})();
