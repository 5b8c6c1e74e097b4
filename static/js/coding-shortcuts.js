// Single-key shortcuts on coding pages: a link marked data-shortcut="n" opens on "n".
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName)) return;
    var link = document.querySelector('a[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (link) {
      event.preventDefault();
      window.location.href = link.href;
    }
  });
})();
