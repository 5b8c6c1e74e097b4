// "Download PNG" for the PRISMA diagram: the inline SVG drawn on a canvas at twice its size.
// A data: URL (the CSP allows data: images; a blob: URL it does not).
(function () {
  "use strict";
  document.querySelectorAll("[data-prisma-png]").forEach(function (button) {
    var figure = button.closest("figure");
    var svg = figure && figure.querySelector("svg");
    if (!svg) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = new XMLSerializer().serializeToString(svg);
      var image = new Image();
      image.onload = function () {
        var scale = 2;
        var canvas = document.createElement("canvas");
        canvas.width = svg.viewBox.baseVal.width * scale;
        canvas.height = svg.viewBox.baseVal.height * scale;
        var context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        var link = document.createElement("a");
        link.download = button.getAttribute("data-prisma-png");
        link.href = canvas.toDataURL("image/png");
        document.body.appendChild(link);
        link.click();
        link.remove();
      };
      image.src = "data:image/svg+xml;base64," +
        btoa(unescape(encodeURIComponent(source)));
    });
  });
})();
