/* Adjudication page: choosing or typing another value also selects "Another value". */
(function () {
  "use strict";
  document.querySelectorAll(".resolve-form").forEach(function (form) {
    var other = form.querySelector('input[type=radio][value="other"]');
    var box = form.querySelector(".other-value");
    if (!other || !box) return;
    box.addEventListener("change", function () { other.checked = true; });
    box.addEventListener("input", function () { other.checked = true; });
  });
})();
