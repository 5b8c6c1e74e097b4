// The New review page: suggest a slug from the title while the slug has not been edited by
// hand (the person may always change it; the server checks it and says if it is taken).
(function () {
  "use strict";
  var title = document.getElementById("id_title");
  var slug = document.getElementById("id_slug");
  if (!title || !slug) return;
  var edited = slug.value !== "";

  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 50)
      .replace(/-+$/g, "");
  }

  function suggest() {
    if (!edited) slug.value = slugify(title.value);
  }

  title.addEventListener("input", suggest);
  suggest(); // a title typed before this script ran (or kept by the browser) counts too
  slug.addEventListener("input", function () {
    edited = slug.value !== "";
  });
})();
