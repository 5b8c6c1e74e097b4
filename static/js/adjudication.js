/* Adjudication page: decisions saved without leaving the page, J / K between open
   disagreements, and the current disagreement's evidence marked in the case's documents.
   Without JavaScript the forms post and the page reloads, as before. */
(function () {
  "use strict";

  // Choosing or typing another value also selects "Another value"; an attribute's none
  // option and its other options exclude each other (as in the coding form; the server
  // refuses both).
  function bindOtherValue(root) {
    root.querySelectorAll(".resolve-form").forEach(function (form) {
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
  }
  bindOtherValue(document);

  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  function items() { return Array.prototype.slice.call(document.querySelectorAll(".adj-item")); }
  function openItems() { return items().filter(function (a) { return a.dataset.state === "open"; }); }

  // --- the current disagreement and its evidence --------------------------------------
  var current = null;
  function evidenceOf(article, coder) {
    var quote = article.querySelector('[data-coder="' + coder + '"] [data-evidence]');
    return quote ? quote.dataset.evidence.split("\n").filter(function (l) { return l.trim(); }) : [];
  }
  function setCurrent(article, scroll, again) {
    if (!article || (article === current && !again)) return;
    if (current) current.classList.remove("current");
    current = article;
    article.classList.add("current");
    var quotes = evidenceOf(article, "a").map(function (t) { return { text: t, className: "hl-a" }; })
      .concat(evidenceOf(article, "b").map(function (t) { return { text: t, className: "hl-b" }; }));
    document.dispatchEvent(new CustomEvent("documents:highlight",
      { detail: { quotes: quotes, scroll: Boolean(scroll) } }));
  }
  document.addEventListener("focusin", function (event) {
    var article = event.target.closest && event.target.closest(".adj-item");
    if (article) setCurrent(article, true);
  });
  document.addEventListener("click", function (event) {
    var article = event.target.closest && event.target.closest(".adj-item");
    if (article) setCurrent(article, true);
  });

  function go(article) {
    if (!article) return;
    article.focus();
    article.scrollIntoView({ block: "start" });
    setCurrent(article, true);
  }
  function step(direction) {
    var open = openItems();
    if (!open.length) { status.textContent = gettext("No open disagreement left."); return; }
    var all = items();
    var at = current ? all.indexOf(current) : -1;
    var candidates = direction > 0
      ? open.filter(function (a) { return all.indexOf(a) > at; })
      : open.filter(function (a) { return all.indexOf(a) < at; }).reverse();
    go(candidates[0] || (direction > 0 ? open[0] : open[open.length - 1]));
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var t = event.target;
    if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName)) return;
    var key = event.key.toLowerCase();
    if (key === "j") { event.preventDefault(); step(1); }
    if (key === "k") { event.preventDefault(); step(-1); }
  });

  // --- decisions without a reload ---------------------------------------------------
  function replaceFrom(doc, selector) {
    var mine = document.querySelector(selector);
    var fresh = doc.querySelector(selector);
    if (mine && fresh) mine.replaceWith(document.importNode(fresh, true));
  }

  function showMessage(text, kind) {
    var list = document.createElement("ul");
    list.className = "messages";
    var item = document.createElement("li");
    item.className = "message " + kind;
    item.textContent = text;
    list.appendChild(item);
    document.querySelector("main").prepend(list);
  }

  function send(form, article) {
    var button = form.querySelector('button[type="submit"]');
    // The attribute, not form.action: the form's field named "action" (which of the page's
    // forms this is) shadows that property.
    return fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) { return { response: response, html: html }; });
      })
      .then(function (result) {
        var doc = new DOMParser().parseFromString(result.html, "text/html");
        var fresh = doc.getElementById(article.id);
        if (!fresh) {
          if (result.response.redirected) {
            // Sent elsewhere (e.g. the case is no longer ready): show that page.
            window.location.assign(result.response.url);
            return;
          }
          var reason = doc.querySelector("main p, main h1");
          showMessage(interpolate(gettext("The decision was not saved: %(reason)s."), {
            reason: reason ? reason.textContent.trim()
              : interpolate(gettext("error %(status)s"), { status: result.response.status }, true)
          }, true), "error");
          status.textContent = gettext("Not saved.");
          if (button) button.disabled = false;
          return;
        }
        var imported = document.importNode(fresh, true);
        article.replaceWith(imported);
        bindOtherValue(imported);
        replaceFrom(doc, ".adj-summary");
        var messages = doc.querySelector(".messages");
        if (messages) document.querySelector("main").prepend(document.importNode(messages, true));
        current = null;
        if (result.response.ok) {
          status.textContent = gettext("Saved.");
          var all = items();
          var after = openItems().filter(function (a) { return all.indexOf(a) > all.indexOf(imported); });
          if (imported.dataset.state === "open") go(imported);
          else if (after.length || openItems().length) go(after[0] || openItems()[0]);
          else { setCurrent(imported, false); imported.focus(); }
        } else {
          status.textContent = gettext("Not saved: see the message in the form.");
          var error = imported.querySelector('[role="alert"]');
          go(imported);
          if (error) error.scrollIntoView({ block: "center" });
        }
      })
      .catch(function () {
        showMessage(gettext("The server could not be reached; nothing was saved. Try again."), "error");
        status.textContent = gettext("Not saved.");
        if (button) button.disabled = false;
      });
  }

  // One decision at a time, in the order they were made.
  var queue = Promise.resolve();
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches(".resolve-form, .reopen-form")) return;
    var article = form.closest(".adj-item");
    if (!article || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    // A message about an earlier decision must not read as the answer to this one.
    document.querySelectorAll(".messages").forEach(function (m) { m.remove(); });
    status.textContent = gettext("Saving…");
    queue = queue.then(function () { return send(form, article); });
  });

  document.addEventListener("documents:ready", function () {
    if (current) setCurrent(current, false, true);
  });

  var start = window.location.hash && document.querySelector(window.location.hash);
  if (start && start.classList.contains("adj-item")) setCurrent(start, false);
  else if (openItems().length) setCurrent(openItems()[0], false);
})();
