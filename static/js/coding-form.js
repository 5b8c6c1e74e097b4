// The coding form: autosave with a version check, a copy of unsaved edits in
// localStorage (so closing the tab loses nothing), exclusive none options, and evidence
// quotes taken from the selected case text. coding-attributes.js adds the per-attribute
// state, the count of answered attributes and the attribute shortcuts.
(function () {
  "use strict";

  // A submitted (read-only) coding: the browser's backup of edits is no longer needed.
  document.querySelectorAll("[data-clear-storage]").forEach(function (el) {
    try { localStorage.removeItem(el.dataset.clearStorage); } catch (e) { /* storage off */ }
  });

  var form = document.getElementById("coding-form");
  if (!form) return;

  var saveUrl = form.dataset.saveUrl;
  var storageKey = form.dataset.storageKey;
  var stateEl = document.getElementById("save-state");
  var versionInput = form.elements.namedItem("version");
  var conflictBox = document.getElementById("conflict");
  var conflictMessage = document.getElementById("conflict-message");
  var conflictCopy = document.getElementById("conflict-copy");
  var conflictText = document.getElementById("conflict-text");
  var caseText = document.getElementById("case-text");
  var reloadButton = document.getElementById("conflict-reload");
  if (reloadButton) reloadButton.addEventListener("click", function () { window.location.reload(); });

  var DELAY = 800;
  var timer = null;
  var inFlight = null;     // promise of the running save
  var edits = 0;           // bumped on every edit
  var savedEdits = 0;      // value of `edits` at the last successful save
  var conflicted = form.dataset.conflict === "1";
  var submitting = false;
  var lang = document.documentElement.lang || undefined;  // numbers in the page's language

  function setState(kind, text) {
    stateEl.className = "save-state is-" + kind;
    stateEl.textContent = text;
  }

  // Times in the page's language and the reader's time zone (the account's, else the
  // site's: <html data-time-zone>, the zone the server wrote the page's times in), naming it.
  function clock(d, withDate) {
    var page = document.documentElement;
    var options = {hour: "2-digit", minute: "2-digit", timeZoneName: "short"};
    if (withDate) { options.day = "numeric"; options.month = "short"; }
    try {
      options.timeZone = page.dataset.timeZone || undefined;
      return new Intl.DateTimeFormat(page.lang || undefined, options).format(d);
    } catch (e) {  // a zone this browser does not know: its own
      delete options.timeZone;
      return new Intl.DateTimeFormat(page.lang || undefined, options).format(d);
    }
  }
  function savedText(d) {
    var sameDay = d.toDateString() === new Date().toDateString();
    return interpolate(gettext("Saved %(time)s"), { time: clock(d, !sameDay) }, true);
  }

  if (stateEl.dataset.savedAt) {
    var savedAt = new Date(stateEl.dataset.savedAt);
    if (!isNaN(savedAt)) stateEl.textContent = savedText(savedAt);
  }

  // The form's fields as {name: value or [values]}, without the CSRF token and version
  // (of this page's form, or of `source`: the form of a page fetched to compare).
  function snapshot(source) {
    var data = {};
    Array.prototype.forEach.call((source || form).elements, function (el) {
      var name = el.name;
      if (!name || name === "csrfmiddlewaretoken" || name === "version") return;
      if (el.type === "radio") {
        if (!(name in data)) data[name] = "";
        if (el.checked) data[name] = el.value;
      } else if (el.type === "checkbox") {
        if (!(name in data)) data[name] = [];
        if (el.checked) data[name].push(el.value);
      } else if (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT") {
        // Hidden fields are the form's own bookkeeping, except where evidence quotes sit.
        if (el.type !== "submit" && el.type !== "button" &&
            (el.type !== "hidden" || el.classList.contains("evidence-anchors"))) data[name] = el.value;
      }
    });
    return data;
  }

  function apply(data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data)) return;
      var value = data[el.name];
      if (el.type === "radio") el.checked = el.value === value;
      else if (el.type === "checkbox") el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      else if (el.tagName === "TEXTAREA" || el.tagName === "INPUT") el.value = value;
    });
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function labelFor(name) {
    var key = name.replace(/__(evidence|note)$/, "");
    var block = document.getElementById("attr-" + key);
    var label = block ? block.dataset.label : key;
    if (/__evidence$/.test(name)) return interpolate(gettext("%(attribute)s — evidence quote"), { attribute: label }, true);
    if (/__note$/.test(name)) return interpolate(gettext("%(attribute)s — note"), { attribute: label }, true);
    return label;
  }

  function optionLabel(name, value) {
    var input = form.querySelector('input[name="' + name + '"][value="' + CSS.escape(value) + '"]');
    var label = input && input.closest("label");
    return label ? label.textContent.trim() : value;
  }

  // The coder's entries as plain text, to copy after a conflict.
  function asText(data) {
    var lines = [];
    Object.keys(data).forEach(function (name) {
      var value = data[name];
      if (Array.isArray(value)) value = value.map(function (v) { return optionLabel(name, v); }).join(", ");
      else if (form.querySelector('input[type=radio][name="' + name + '"]') && value) value = optionLabel(name, value);
      if (value) lines.push(labelFor(name) + ": " + value);
    });
    return lines.join("\n");
  }

  // Strings the template supplies (translated there); the catalog's if an older page lacks them.
  function message(name, fallback) { return stateEl.dataset[name] || fallback; }

  // Saves go one at a time: a save asks for the version the previous one returned, so the
  // coder's own saves can never conflict with each other. A save whose answer never came
  // (the connection dropped, or the page was reloaded while it was on its way) may still
  // have been stored: it is "unconfirmed" until a later answer says which. When the server
  // then reports a conflict, the page asks the server what it holds; if that is exactly
  // one of our unconfirmed saves, one version on, it was ours, and saving carries on. Only
  // a change made elsewhere (another tab or person) shows the conflict.
  var sent = null;         // {version, values} of the save in flight, if any
  var unconfirmed = null;  // {version, candidates: [values]}: saves that may have been stored
  var queued = null;       // promise of the save that waits for the one in flight
  var retryTimer = null;
  var retryDelay = 0;      // ms; grows after each network error, reset by an answer
  var RETRY_FIRST = 1000;
  var RETRY_MAX = 30000;

  function maybeStored() {
    // What a page loaded after this one must assume may have reached the server.
    var result = unconfirmed ? { version: unconfirmed.version, candidates: unconfirmed.candidates.slice() } : null;
    if (sent) {
      if (!result || result.version !== sent.version) result = { version: sent.version, candidates: [] };
      var last = result.candidates[result.candidates.length - 1];
      if (!last || !same(last, sent.values)) result.candidates.push(sent.values);
      result.candidates = result.candidates.slice(-20);  // a long time off line: the latest
    }
    return result;
  }

  function backup() {
    try {
      localStorage.setItem(storageKey, JSON.stringify({
        version: Number(versionInput.value), values: snapshot(), unconfirmed: maybeStored(), at: Date.now()
      }));
    } catch (e) { /* storage full or disabled: autosave still runs */ }
  }

  function dropBackup() {
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  }

  function showConflict(message, data) {
    conflicted = true;
    clearTimeout(timer);
    clearTimeout(retryTimer);
    setState("conflict", gettext("Conflict — not saved"));
    conflictMessage.textContent = message;
    conflictText.value = asText(data || snapshot());
    conflictCopy.hidden = false;
    conflictBox.hidden = false;
    if (reloadButton) reloadButton.hidden = false;
  }

  function formData(version) {
    var fd = new FormData(form);
    fd.set("version", String(version));
    return fd;
  }

  // Values as the server gives them back: its forms trim text and keep "\n" line ends;
  // anchors follow their quotes, so the quotes decide.
  function comparable(data) {
    var out = {};
    Object.keys(data).sort().forEach(function (name) {
      if (/__anchors$/.test(name)) return;
      var value = data[name];
      out[name] = Array.isArray(value) ? value.slice().sort()
        : String(value).replace(/\r\n?/g, "\n").trim();
    });
    return out;
  }
  function sameValues(a, b) { return same(comparable(a), comparable(b)); }

  // {version, values} the server holds if that is one of our unconfirmed saves, else null.
  function ownSaveLanded(pending) {
    return fetch(form.getAttribute("action") || window.location.href, {
      headers: { "Accept": "text/html" }, credentials: "same-origin", cache: "no-store"
    }).then(function (response) {
      if (!response.ok || response.redirected) return null;
      return response.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var current = page.getElementById("coding-form");
        if (!current || current.dataset.conflict === "1") return null;
        var version = Number(current.elements.namedItem("version").value);
        if (version !== pending.version + 1) return null;
        var held = snapshot(current);
        return pending.candidates.some(function (values) { return sameValues(values, held); })
          ? { version: version, values: held } : null;
      });
    }).catch(function () { return null; });
  }

  function retryLater() {
    retryDelay = retryDelay ? Math.min(retryDelay * 2, RETRY_MAX) : RETRY_FIRST;
    var seconds = Math.round(retryDelay / 1000);
    setState("offline", message("msgOffline", gettext("Offline — retrying in {seconds} s. Your edits are kept in this browser."))
      .replace("{seconds}", new Intl.NumberFormat(lang).format(seconds)));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(save, retryDelay);
  }

  // One save, to its end: true when the server stored the form as it was when sent.
  async function runSave() {
    for (;;) {
      var sentEdits = edits;
      var version = Number(versionInput.value);
      sent = { version: version, values: snapshot() };
      backup();
      setState("saving", gettext("Saving…"));
      var response, body;
      try {
        response = await fetch(saveUrl, {
          method: "POST",
          body: formData(version),
          headers: { "Accept": "application/json" },
          credentials: "same-origin"
        });
        body = response.redirected ? {} : await response.json().catch(function () { return {}; });
      } catch (e) {
        // No answer: the save may or may not have been stored.
        unconfirmed = maybeStored();
        sent = null;
        backup();
        retryLater();
        return false;
      }
      sent = null;
      retryDelay = 0;
      if (response.redirected) {  // the session ended: the login page answered
        setState("error", gettext("Not saved: you are signed out. Sign in again in another tab, then press Save draft; your edits are kept in this browser."));
        return false;
      }
      if (response.ok && body.ok) {
        versionInput.value = body.version;
        unconfirmed = null;
        if (edits === sentEdits) {
          dropBackup();
          setState("saved", savedText(new Date()));
        } else {
          backup();  // later edits are now based on the new version
          schedule();
        }
        return true;
      }
      if (response.status === 409 && unconfirmed && unconfirmed.version === version) {
        setState("saving", message("msgChecking", gettext("Checking what was saved…")));
        var landed = await ownSaveLanded(unconfirmed);
        unconfirmed = null;
        if (landed !== null) {  // our own earlier save: carry on from it
          versionInput.value = landed.version;
          if (!sameValues(snapshot(), landed.values)) continue;  // later edits: save them
          dropBackup();
          setState("saved", savedText(new Date()));
          return true;
        }
      }
      if (response.status === 409) {
        showConflict(body.message || gettext("This coding was saved elsewhere (another tab?); your text is kept below to copy."));
      } else if (response.status === 403 || response.status === 404) {
        setState("error", gettext("Not saved: you are signed out or no longer assigned. Your edits are kept in this browser."));
      } else {
        setState("error", body.message || gettext("Not saved (server error). Your edits are kept in this browser."));
      }
      backup();
      return false;
    }
  }

  // Save now, or right after the save in flight (edits made meanwhile go with it).
  function save() {
    if (conflicted) return Promise.resolve(false);
    if (inFlight) {
      if (!queued) queued = inFlight.then(function () { queued = null; return save(); });
      return queued;
    }
    clearTimeout(timer);
    clearTimeout(retryTimer);
    inFlight = runSave().finally(function () { inFlight = null; });
    return inFlight;
  }

  function schedule() {
    if (submitting) return;  // the submission posts the form as it is
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  // Back on line: retry at once rather than at the end of the back-off.
  window.addEventListener("online", function () { if (retryDelay) save(); });

  function edited() {
    if (submitting) return;
    edits += 1;
    backup();
    if (conflicted) conflictText.value = asText(snapshot());
    else {
      setState("dirty", gettext("Unsaved changes"));
      schedule();
    }
  }

  function isToggle(el) { return el.type === "radio" || el.type === "checkbox"; }

  // An attribute's none option ("none of these reported") excludes its other options:
  // ticking it clears them, ticking one of them clears it. The server refuses both too.
  function keepNoneExclusive(input) {
    if (input.type !== "checkbox" || !input.checked) return;
    var block = input.closest("[data-none-key]");
    if (!block) return;
    var noneKey = block.dataset.noneKey;
    block.querySelectorAll('input[type=checkbox][name="' + input.name + '"]').forEach(function (other) {
      if (other === input) return;
      if (input.value === noneKey || other.value === noneKey) other.checked = false;
    });
  }

  form.addEventListener("input", function (event) { if (!isToggle(event.target)) edited(); });
  form.addEventListener("change", function (event) {
    if (!isToggle(event.target)) return;
    keepNoneExclusive(event.target);
    edited();
  });

  // "Save draft" saves at once (after the save in flight); "Submit" waits for the saves
  // on their way, then posts the form with the version the last of them returned.
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.id === "save-draft") {
      event.preventDefault();
      save();
      return;
    }
    if (conflicted) {
      event.preventDefault();
      conflictBox.scrollIntoView({ block: "center" });
      return;
    }
    clearTimeout(timer);
    if (submitting) { event.preventDefault(); return; }  // already on its way
    submitting = true;  // from now on no autosave starts: the post carries every field
    if (!inFlight && !unconfirmed) return;
    event.preventDefault();
    (queued || inFlight || Promise.resolve(true)).then(function () {
      // A save whose answer never came: save again, so that the post asks for the
      // version the server holds (and a dropped connection shows as such).
      return unconfirmed ? save() : true;
    }).then(function () {
      if (!conflicted && !unconfirmed && !inFlight) form.submit();
      else submitting = false;
    });
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save();
    }
  });

  // Clear a single choice or yes/no answer (radios cannot be unticked).
  form.querySelectorAll(".clear-choice").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      form.querySelectorAll('input[type=radio][name="' + button.dataset.clear + '"]').forEach(function (r) {
        r.checked = false;
      });
      edited();
    });
  });

  // Evidence from the case text: remember the last selection inside the case panel,
  // because pressing the button may move the selection.
  var lastSelection = "";
  function selectedCaseText() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount || !caseText) return "";
    var range = sel.getRangeAt(0).cloneRange();
    if (!range.intersectsNode(caseText)) return "";
    // A triple click selects up to the start of whatever follows the paragraph (past the
    // end of a PDF's last page, that is outside the case panel): keep the part inside.
    var inside = document.createRange();
    inside.selectNodeContents(caseText);
    if (range.compareBoundaryPoints(Range.START_TO_START, inside) < 0) {
      range.setStart(inside.startContainer, inside.startOffset);
    }
    if (range.compareBoundaryPoints(Range.END_TO_END, inside) > 0) {
      range.setEnd(inside.endContainer, inside.endOffset);
    }
    // Read as the document reads (a PDF's line breaks as spaces: document-viewer.js).
    var text = window.caseDocuments ? window.caseDocuments.textOf(range) : range.toString();
    return text.replace(/\s+/g, " ").trim();
  }
  document.addEventListener("selectionchange", function () {
    var text = selectedCaseText();
    if (text) {
      lastSelection = text;
      // Every attribute offers the selection as evidence from now on, also where its
      // evidence box is still closed (coding.css).
      form.classList.add("has-selection");
    }
  });
  form.querySelectorAll(".use-selection").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.dataset.target);
      var hint = button.parentNode.querySelector(".selection-hint");
      var text = selectedCaseText() || lastSelection;
      if (!text) {
        hint.textContent = gettext("Select text in the case first.");
        return;
      }
      var details = target.closest("details");
      if (details) details.open = true;
      target.value = target.value.trim() ? target.value.trim() + "\n" + text : text;
      // Where the quote is in the document, when it came from one (document-viewer.js).
      var anchor = window.caseDocuments && window.caseDocuments.lastAnchor();
      var anchorsField = document.getElementById(target.id.replace(/__evidence$/, "__anchors"));
      if (anchor && anchorsField &&
          anchor.exact.replace(/\s+/g, " ").trim() === text.replace(/\s+/g, " ").trim()) {
        var anchors = [];
        try { anchors = JSON.parse(anchorsField.value || "[]"); } catch (e) { anchors = []; }
        anchors.push(anchor);
        anchorsField.value = JSON.stringify(anchors);
      }
      // So that the document viewer marks the new quote.
      target.dispatchEvent(new Event("change", { bubbles: true }));
      hint.textContent = gettext("Added.");
      setTimeout(function () { hint.textContent = ""; }, 2000);
      edited();
    });
  });

  // On load: bring back edits that never reached the server.
  (function restore() {
    if (conflicted) {
      conflictText.value = asText(snapshot());
      conflictCopy.hidden = false;
      if (reloadButton) reloadButton.hidden = false;
      setState("conflict", gettext("Conflict — not saved"));
      return;
    }
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { stored = null; }
    if (!stored || !stored.values) return;
    var current = snapshot();
    if (same(stored.values, current)) { dropBackup(); return; }
    var version = Number(versionInput.value);
    // The page was left while a save was on its way (or unanswered): it may land after this
    // page was drawn (then it is ours: see ownSaveLanded), or it landed before, and the
    // edits kept here are based on the version now shown.
    var pending = stored.unconfirmed ||  // (a copy kept by an older page: its save in flight)
      (stored.sent ? { version: stored.sent.version, candidates: [stored.sent.values] } : null);
    var landed = pending && Number(pending.version) + 1 === version &&
      pending.candidates.some(function (values) { return sameValues(values, current); });
    if (Number(stored.version) === version || landed) {
      if (pending && Number(pending.version) === version) unconfirmed = pending;
      apply(stored.values);
      edits += 1;
      setState("dirty", gettext("Restored unsaved edits from this browser"));
      schedule();
    } else {
      showConflict(
        gettext("Edits kept in this browser from an earlier visit were based on an older version of this coding (saved elsewhere since), so they were not applied. Your text is kept below to copy."),
        stored.values
      );
      conflicted = false;  // the form itself is current; let the coder carry on
      if (reloadButton) reloadButton.hidden = true;
      setState("saved", gettext("Saved version shown"));
    }
  })();
})();
