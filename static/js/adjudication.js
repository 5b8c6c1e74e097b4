/* Adjudication page: choosing or typing another value also selects "Another value"; an
   attribute's none option and its other options exclude each other (as in the coding form;
   the server refuses both). */
(function () {
  "use strict";
  document.querySelectorAll(".resolve-form").forEach(function (form) {
    var other = form.querySelector('input[type=radio][value="other"]');
    var box = form.querySelector(".other-value");
    if (!other || !box) return;
    box.addEventListener("change", function (event) {
      other.checked = true;
      var input = event.target;
      var noneKey = box.dataset.noneKey;
      if (!noneKey || input.type !== "checkbox" || !input.checked) return;
      box.querySelectorAll('input[type=checkbox][name="' + input.name + '"]').forEach(function (el) {
        if (el !== input && (input.value === noneKey || el.value === noneKey)) el.checked = false;
      });
    });
    box.addEventListener("input", function () { other.checked = true; });
  });
})();
