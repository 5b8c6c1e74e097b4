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

  function setState(kind, text) {
    stateEl.className = "save-state is-" + kind;
    stateEl.textContent = text;
  }

  function clock(d) {
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }
  function timeNow() { return clock(new Date()); }

  // The server wrote the last save time in its own time zone; show the coder's.
  if (stateEl.dataset.savedAt) {
    var savedAt = new Date(stateEl.dataset.savedAt);
    if (!isNaN(savedAt)) {
      var sameDay = savedAt.toDateString() === new Date().toDateString();
      stateEl.textContent = "Saved " + (sameDay ? "" : savedAt.toLocaleDateString() + " ") + clock(savedAt);
    }
  }

  // The form's fields as {name: value or [values]}, without the CSRF token and version.
  function snapshot() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
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
    if (/__evidence$/.test(name)) return label + " — evidence quote";
    if (/__note$/.test(name)) return label + " — note";
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

  var sent = null;  // {version, values} of the save in flight, if any

  function backup() {
    try {
      localStorage.setItem(storageKey, JSON.stringify({
        version: Number(versionInput.value), values: snapshot(), sent: sent, at: Date.now()
      }));
    } catch (e) { /* storage full or disabled: autosave still runs */ }
  }

  function dropBackup() {
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  }

  function showConflict(message, data) {
    conflicted = true;
    clearTimeout(timer);
    setState("conflict", "Conflict — not saved");
    conflictMessage.textContent = message;
    conflictText.value = asText(data || snapshot());
    conflictCopy.hidden = false;
    conflictBox.hidden = false;
    if (reloadButton) reloadButton.hidden = false;
  }

  function formData() {
    var fd = new FormData(form);
    fd.set("version", versionInput.value);
    return fd;
  }

  function save() {
    if (conflicted) return Promise.resolve(false);
    if (inFlight) return inFlight.then(save);
    clearTimeout(timer);
    var sentEdits = edits;
    sent = { version: Number(versionInput.value), values: snapshot() };
    setState("saving", "Saving…");
    inFlight = fetch(saveUrl, {
      method: "POST",
      body: formData(),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.redirected) {  // the session ended: the login page answered
        setState("error", "Not saved: you are signed out. Sign in again in another tab, then press Save draft; your edits are kept in this browser.");
        return false;
      }
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body.ok) {
          versionInput.value = body.version;
          savedEdits = sentEdits;
          if (edits === sentEdits) {
            dropBackup();
            setState("saved", "Saved " + timeNow());
          } else {
            backup();  // later edits are now based on the new version
            schedule();
          }
          return true;
        }
        if (response.status === 409) {
          showConflict(body.message || "This coding was saved elsewhere (another tab?); your text is kept below to copy.");
        } else if (response.status === 403 || response.status === 404) {
          setState("error", "Not saved: you are signed out or no longer assigned. Your edits are kept in this browser.");
        } else {
          setState("error", body.message || "Not saved (server error). Your edits are kept in this browser.");
        }
        return false;
      });
    }).catch(function () {
      setState("error", "Offline — not saved yet. Your edits are kept in this browser.");
      return false;
    }).finally(function () { inFlight = null; sent = null; });
    return inFlight;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  function edited() {
    if (submitting) return;
    edits += 1;
    backup();
    if (conflicted) conflictText.value = asText(snapshot());
    else {
      setState("dirty", "Unsaved changes");
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

  // "Save draft" saves at once; "Submit" waits for a running save, then posts the form.
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
    if (inFlight) {
      event.preventDefault();
      inFlight.then(function () { if (!conflicted) { submitting = true; form.submit(); } });
      return;
    }
    submitting = true;
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
    return range.toString().replace(/\s+/g, " ").trim();
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
        hint.textContent = "Select text in the case first.";
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
      hint.textContent = "Added.";
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
      setState("conflict", "Conflict — not saved");
      return;
    }
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { stored = null; }
    if (!stored || !stored.values) return;
    var current = snapshot();
    if (same(stored.values, current)) { dropBackup(); return; }
    var version = Number(versionInput.value);
    // The tab closed while a save was on its way and that save arrived: the edits
    // made after it are based on the version now shown.
    var landed = stored.sent && Number(stored.sent.version) + 1 === version &&
      same(stored.sent.values, current);
    if (Number(stored.version) === version || landed) {
      apply(stored.values);
      edits += 1;
      setState("dirty", "Restored unsaved edits from this browser");
      schedule();
    } else {
      showConflict(
        "Edits kept in this browser from an earlier visit were based on an older version of this coding (saved elsewhere since), so they were not applied. Your text is kept below to copy.",
        stored.values
      );
      conflicted = false;  // the form itself is current; let the coder carry on
      if (reloadButton) reloadButton.hidden = true;
      setState("saved", "Saved version shown");
    }
  })();
})();
