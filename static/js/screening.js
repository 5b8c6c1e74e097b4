// The screening page, keyboard first: one key per decision (I include, E exclude, M maybe;
// at full text 1-9 choose the exclusion reason), N or → next, P or ← previous, U undo the
// last decision. The next record shows at once: records come in windows from the page's
// JSON (coding.web.screening.records_json) and decisions are posted in order in the
// background. Without this script the page's forms and links do the same, one page each.
(function () {
  "use strict";
  const root = document.getElementById("screening");
  const article = document.getElementById("screening-record");
  const form = document.getElementById("screening-form");
  if (!root || !article || !form) return;
  // Django's JavaScript catalog (base.html) gives gettext and interpolate; untranslated
  // without it.
  const gettext = window.gettext || function (s) { return s; };
  const fmt = window.interpolate || function (s, args) {
    return s.replace(/%\(\w+\)s/g, function (m) { return args[m.slice(2, -2)]; });
  };
  const stage = root.dataset.stage;
  const urls = { records: root.dataset.recordsUrl, decide: root.dataset.decideUrl,
                 undo: root.dataset.undoUrl };
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const reasonsEl = document.getElementById("screening-reasons");
  const reasons = reasonsEl ? JSON.parse(reasonsEl.textContent) || [] : [];
  const labels = { include: gettext("Include"), exclude: gettext("Exclude"), maybe: gettext("Maybe") };
  const message = document.getElementById("screening-message");
  let records = [];
  let index = 0;
  let endReached = false;
  let startReached = false;
  let queue = Promise.resolve();
  let loading = null;

  function byId(id) { return document.getElementById(id); }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function query(params) {
    const search = new URLSearchParams(Object.assign({ stage: stage, limit: 50 }, params));
    return fetch(urls.records + "?" + search.toString(), {
      headers: { Accept: "application/json" }, credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    });
  }

  function progress(p) {
    if (!p) return;
    ["decided", "assigned", "remaining"].forEach(function (key) {
      const el = document.querySelector('[data-progress="' + key + '"]');
      if (el) el.textContent = p[key];
    });
  }

  function paragraphs(container, text) {
    container.replaceChildren();
    const parts = (text || "").split(/\n\s*\n/).filter(function (p) { return p.trim(); });
    if (!parts.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = gettext("No abstract.");
      container.appendChild(p);
      return;
    }
    parts.forEach(function (part) {
      const p = document.createElement("p");
      p.textContent = part;
      container.appendChild(p);
    });
  }

  function render() {
    const r = records[index];
    if (!r) return;
    root.dataset.record = r.id;
    byId("record-title").textContent = r.title;
    byId("record-authors").textContent = r.authors.join("; ");
    byId("record-year").textContent = r.year ? " · " + r.year : "";
    byId("record-source").textContent = r.source;
    const link = byId("record-link");
    link.replaceChildren();
    const href = r.url || (r.doi ? "https://doi.org/" + r.doi : "");
    if (href) {
      const a = document.createElement("a");
      a.href = href;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      a.textContent = r.url || "doi:" + r.doi;
      link.appendChild(a);
    }
    paragraphs(byId("record-abstract"), r.abstract);
    const mine = byId("record-mine");
    mine.replaceChildren();
    if (r.decision) {
      mine.append(gettext("Your decision:") + " ");
      const strong = document.createElement("strong");
      strong.textContent = labels[r.decision] || r.decision;
      mine.appendChild(strong);
    }
    form.elements.record.value = r.id;
    form.elements.version.value = r.version || "";
    form.querySelectorAll("input[name=reason]").forEach(function (input) {
      input.checked = input.value === r.reason;
    });
    const prev = byId("screening-previous");
    const next = byId("screening-next");
    if (prev) prev.href = "?stage=" + stage + "&record=" + (records[index - 1] || r).id;
    if (next) next.href = "?stage=" + stage + "&record=" + (records[index + 1] || r).id;
    history.replaceState(null, "", "?stage=" + encodeURIComponent(stage) + "&record=" + r.id);
  }

  function more() {
    if (endReached || loading) return loading;
    const last = records[records.length - 1];
    loading = query({ after: last ? last.id : 0 }).then(function (data) {
      if (!data.records.length) endReached = true;
      records = records.concat(data.records);
      loading = null;
    }, function () { loading = null; });
    return loading;
  }

  function go(step) {
    say("");
    if (step > 0 && index + 1 >= records.length) {
      (more() || Promise.resolve()).then(function () {
        if (index + 1 < records.length) { index += 1; render(); } else {
          say(gettext("That was the last record assigned to you at this stage."));
        }
      });
      return;
    }
    if (step < 0 && index === 0) {
      if (startReached) return;
      query({ before: records[0].id }).then(function (data) {
        if (!data.records.length) { startReached = true; return; }
        records = data.records.concat(records);
        index = data.records.length - 1;
        render();
      });
      return;
    }
    index += step;
    render();
    if (records.length - index < 10) more();
  }

  function post(url, fields) {
    const body = new FormData();
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function decide(value) {
    const r = records[index];
    if (!r) return;
    const checked = form.querySelector("input[name=reason]:checked");
    const reason = value === "exclude" && checked ? checked.value : "";
    if (value === "exclude" && reasons.length && !reason) {
      say(gettext("Choose the exclusion reason first (keys 1–9)."));
      return;
    }
    const before = { decision: r.decision, reason: r.reason };
    const fields = { stage: stage, record: r.id, decision: value, reason: reason,
                     version: r.version || "" };
    r.decision = value;
    r.reason = reason;
    go(1);  // the next record at once; the decision is saved behind it
    queue = queue.then(function () {
      return post(urls.decide, fields).then(function (answer) {
        if (answer.ok) {
          r.version = answer.data.version;
          progress(answer.data.progress);
          return;
        }
        r.decision = before.decision;
        r.reason = before.reason;
        index = records.indexOf(r);
        render();
        say(answer.data.detail || gettext("Nothing was saved; try again."));
      }, function () {
        r.decision = before.decision;
        say(gettext("The server could not be reached; nothing was saved."));
      });
    });
  }

  function undo() {
    queue = queue.then(function () {
      return post(urls.undo, { stage: stage }).then(function (answer) {
        if (!answer.ok) { say(answer.data.detail || gettext("Nothing to undo.")); return; }
        progress(answer.data.progress);
        const found = records.findIndex(function (x) { return x.id === answer.data.record; });
        if (found >= 0) {
          records[found].decision = "";
          records[found].reason = "";
          records[found].version = null;
          index = found;
          render();
          say(fmt(gettext("Your decision on “%(title)s” is withdrawn."),
                  { title: records[found].title }, true));
          return;
        }
        window.location.search = "?stage=" + stage + "&record=" + answer.data.record;
      });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const button = event.submitter;
    if (button && button.value) decide(button.value);
  });
  const undoButton = byId("screening-undo");
  if (undoButton) {
    undoButton.form.addEventListener("submit", function (event) {
      event.preventDefault();
      undo();
    });
  }
  ["screening-previous", "screening-next"].forEach(function (id, i) {
    const el = byId(id);
    if (el) el.addEventListener("click", function (event) {
      event.preventDefault();
      go(i === 0 ? -1 : 1);
    });
  });

  function act(key) {
    if (key === "i") decide("include");
    else if (key === "e") decide("exclude");
    else if (key === "m") decide("maybe");
    else if (key === "n" || key === "ArrowRight") go(1);
    else if (key === "p" || key === "ArrowLeft") go(-1);
    else if (key === "u") undo();
    else if (/^[1-9]$/.test(key)) {
      const input = form.querySelectorAll("input[name=reason]")[Number(key) - 1];
      if (input) input.checked = true;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)
                   && target.type !== "radio")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (!/^([iemnpu1-9]|ArrowLeft|ArrowRight)$/.test(key)) return;
    if (/^[1-9]$/.test(key) && reasons.length < Number(key)) return;
    event.preventDefault();
    // Keys pressed before the first window of records arrived act once it has.
    ready.then(function () { act(key); });
  });

  const ready = query({ around: root.dataset.record }).then(function (data) {
    records = data.records;
    index = 0;
    startReached = false;
    if (records.length) render();
    root.dataset.ready = "true";
  });
})();
