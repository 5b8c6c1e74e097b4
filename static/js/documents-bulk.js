/* The review's documents page (templates/coding/review_documents.html): many files or zips,
 * chosen or dropped. 1. Check: the names and sizes of loose files, and zips whole, go to the
 * check URL; the server matches each to a case and checks it, storing nothing; the table shows
 * matched / refused and why / unmatched. 2. "Upload N matched files": the matched files (and
 * the zips holding matched files) are posted to the page in small batches with upload progress;
 * the server checks every file again and stores what passes, answering per file. 3. The bar then
 * follows the text extraction (the status URL) until every stored document's text is ready. */
(function () {
  "use strict";

  var form = document.getElementById("bulk-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var words = JSON.parse(document.getElementById("bulk-words").textContent);
  var input = document.getElementById("bulk-files");
  var zone = document.getElementById("drop-zone");
  var uploadButton = document.getElementById("bulk-upload");
  var checkButton = document.getElementById("bulk-check");
  var box = document.getElementById("bulk-results");
  var progress = document.getElementById("bulk-progress");
  var bar = document.getElementById("bulk-bar");
  var label = document.getElementById("bulk-progress-label");
  var text = document.getElementById("bulk-progress-text");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var BATCH_FILES = 10;
  var BATCH_BYTES = 40 * 1024 * 1024;

  var files = []; // the File objects chosen or dropped
  var rows = []; // the latest result per file, in order
  var busy = false;

  // The page's words (translated by the server) with their numbers in the page's language.
  var lang = document.documentElement.lang || undefined;
  var numbers = new Intl.NumberFormat(lang);
  var megabytes = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      var value = values[key];
      return typeof value === "number" ? numbers.format(value) : value;
    });
  }
  function isZip(file) { return /\.zip$/i.test(file.name); }
  function setBusy(value) {
    busy = value;
    checkButton.disabled = value;
    input.disabled = value;
    if (value) uploadButton.disabled = true;
    else updateUploadButton();
  }

  function choose(list) {
    if (busy) return;
    files = Array.prototype.slice.call(list || []);
    rows = [];
    check();
  }

  input.addEventListener("change", function () { choose(input.files); });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) choose(event.dataTransfer.files);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    var action = event.submitter ? event.submitter.value : "check";
    if (!files.length && input.files.length) files = Array.prototype.slice.call(input.files);
    if (!files.length) { say(words.choose_first); return; }
    if (action === "upload" && rows.length) upload(); else check();
  });

  // Files chosen before this script ran (a slow connection) are checked now.
  form.dataset.ready = "true";
  if (input.files.length) choose(input.files);

  function say(message) {
    progress.hidden = false;
    label.textContent = "";
    bar.hidden = true;
    text.textContent = message;
  }
  function showBar(what, value, max, message) {
    progress.hidden = false;
    bar.hidden = false;
    label.textContent = what;
    bar.max = max || 1;
    bar.value = Math.min(value, bar.max);
    text.textContent = message || "";
  }

  function send(url, data, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.responseType = "json";
      if (onProgress) xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      });
      xhr.addEventListener("load", function () {
        var body = xhr.response;
        if (xhr.status >= 200 && xhr.status < 300 && body && body.results) resolve(body);
        else reject(new Error((body && body.detail) || ("HTTP " + xhr.status)));
      });
      xhr.addEventListener("error", function () { reject(new Error(gettext("network error"))); });
      xhr.send(data);
    });
  }

  // 1. The check: nothing is stored.
  function check() {
    setBusy(true);
    var data = new FormData();
    var names = [];
    var zipBytes = 0;
    files.forEach(function (file) {
      if (isZip(file)) { data.append("files", file); zipBytes += file.size; }
      else names.push({ name: file.name, size: file.size });
    });
    data.append("names", JSON.stringify(names));
    showBar(words.checking, 0, 1);
    send(form.dataset.checkUrl, data, zipBytes ? function (loaded, total) {
      showBar(words.checking, loaded, total, fill(words.sent, { done: size(loaded), total: size(total) }));
    } : null).then(function (body) {
      rows = body.results;
      progress.hidden = true;
      draw(true);
    }).catch(function (error) {
      say(fill(words.check_failed, { error: error.message }));
    }).then(function () { setBusy(false); });
  }

  function matched() {
    return rows.filter(function (row) { return row.status === "matched"; });
  }
  function updateUploadButton() {
    var n = matched().length;
    uploadButton.textContent = n === 1 ? words.upload_one
      : n ? fill(words.upload_many, { n: n }) : words.upload_none;
    uploadButton.disabled = busy || n === 0;
  }

  // 2. The upload: the matched files in batches, each answered per file.
  function upload() {
    var wanted = {};
    matched().forEach(function (row) { wanted[row.name.split("/")[0]] = true; });
    var loose = files.filter(function (file) { return !isZip(file) && wanted[file.name]; });
    var zips = files.filter(function (file) { return isZip(file) && wanted[file.name]; });
    var batches = [];
    var current = [];
    var bytes = 0;
    loose.forEach(function (file) {
      if (current.length && (current.length >= BATCH_FILES || bytes + file.size > BATCH_BYTES)) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
      current.push(file);
      bytes += file.size;
    });
    if (current.length) batches.push(current);
    zips.forEach(function (zip) { batches.push([zip]); });
    var total = batches.reduce(function (sum, batch) {
      return sum + batch.reduce(function (s, file) { return s + file.size; }, 0);
    }, 0);
    var sent = 0;
    var stored = [];
    setBusy(true);
    showBar(words.uploading, 0, total, fill(words.sent, { done: size(0), total: size(total) }));

    function next(index) {
      if (index >= batches.length) {
        draw(false);
        follow(stored);
        return;
      }
      var batch = batches[index];
      var batchBytes = batch.reduce(function (s, file) { return s + file.size; }, 0);
      var data = new FormData();
      data.append("action", "upload");
      batch.forEach(function (file) { data.append("files", file); });
      send(window.location.pathname, data, function (loaded, all) {
        var done = sent + Math.round(batchBytes * loaded / all);
        showBar(words.uploading, done, total, fill(words.sent, { done: size(done), total: size(total) }));
      }).then(function (body) {
        body.results.forEach(function (result) {
          replace(result);
          if (result.status === "stored") stored.push(result.document);
        });
      }).catch(function (error) {
        // This batch failed as a whole (network, server): say so on its files, keep the rest.
        batch.forEach(function (file) {
          rows.forEach(function (row) {
            if (row.name.split("/")[0] === file.name && row.status === "matched") {
              row.status = "refused";
              row.code = "not_sent";
              row.reason = fill(words.not_sent, { error: error.message });
            }
          });
        });
      }).then(function () {
        sent += batchBytes;
        draw(false);
        next(index + 1);
      });
    }
    next(0);
  }

  function replace(result) {
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].name === result.name) { rows[i] = result; return; }
    }
    rows.push(result);
  }

  // The page's counts and latest documents, fetched again once something was stored.
  function refreshOverview() {
    fetch(window.location.pathname, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : Promise.reject(new Error("HTTP " + response.status));
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      ["documents-overview", "latest-documents"].forEach(function (id) {
        var mine = document.getElementById(id);
        var theirs = fresh.getElementById(id);
        if (mine && theirs) mine.replaceWith(document.importNode(theirs, true));
      });
    }).catch(function () { /* the list stays as it was; a reload shows it */ });
  }

  // 3. The text extraction of what was stored, until done (or left to the background).
  function follow(ids) {
    if (!ids.length) { progress.hidden = true; setBusy(false); return; }
    refreshOverview();
    var polls = 0;
    var delay = 1000;
    function poll() {
      polls += 1;
      fetch(form.dataset.statusUrl + "?ids=" + ids.join(","), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (state) {
        var total = state.documents.length;
        showBar(words.extracting, state.done, total, fill(words.extracted, { done: state.done, total: total }));
        if (state.pending === 0) {
          text.textContent = fill(words.all_done, { n: total });
          refreshOverview();
          setBusy(false);
        } else if (polls < 120) {
          window.setTimeout(poll, delay);
        } else {
          text.textContent = words.background;
          setBusy(false);
        }
      }).catch(function () {
        delay = Math.min(delay * 2, 15000);
        if (polls < 120) window.setTimeout(poll, delay);
        else { text.textContent = words.background; setBusy(false); }
      });
    }
    showBar(words.extracting, 0, ids.length, fill(words.extracted, { done: 0, total: ids.length }));
    poll();
  }

  function size(bytes) {
    if (bytes < 1024 * 1024) {
      return interpolate(gettext("%(size)s KB"), { size: numbers.format(Math.round(bytes / 1024)) }, true);
    }
    return interpolate(gettext("%(size)s MB"), { size: megabytes.format(bytes / 1024 / 1024) }, true);
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function draw(checking) {
    var counts = { stored: 0, matched: 0, refused: 0, unmatched: 0 };
    rows.forEach(function (row) { counts[row.status] += 1; });
    box.textContent = "";
    box.appendChild(el("h3", "", checking ? words.heading_check : words.heading_upload));
    box.appendChild(el("p", "bulk-summary",
      fill(checking ? words.summary_check : words.summary_upload, counts)));
    var wrap = el("div", "table-wrap");
    var table = el("table", "documents bulk-results");
    var head = table.createTHead().insertRow();
    [words.file, words.result, words.case, words.title_or_reason].forEach(function (name) {
      var th = el("th", "", name);
      th.scope = "col";
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      tr.className = "result-" + row.status;
      var th = el("th", "", row.name);
      th.scope = "row";
      tr.appendChild(th);
      var result = tr.insertCell();
      result.dataset.label = words.result;
      var tone = row.status === "refused" ? "bad" : row.status === "unmatched" ? "warn" : "ok";
      result.appendChild(el("span", "tag " + tone, words[row.status]));
      var cell = tr.insertCell();
      cell.dataset.label = words.case;
      cell.textContent = row.case ? row.case + ". " + row.case_title : "—";
      var why = tr.insertCell();
      why.dataset.label = words.title_or_reason;
      why.textContent = row.reason || row.title;
      (row.notes || []).forEach(function (note) {
        why.appendChild(document.createElement("br"));
        why.appendChild(el("span", "muted", note));
      });
    });
    wrap.appendChild(table);
    box.appendChild(wrap);
    updateUploadButton();
  }
})();
