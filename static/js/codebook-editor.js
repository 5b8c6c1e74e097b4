// The codebook editor (templates/coding/codebook_editor.html; coding/web/codebook.py).
// Builds a structured editor over the page's text field: sections and attributes with their
// kind, label, key (suggested from the label), help, required, level, options and none option;
// add, remove, reorder by buttons, Alt+Arrow keys or drag. Every change is checked by the
// server (the one validation of coding/reviews/codebooks.py), which answers the error and its
// place, what a save would do (in place or a new version) and a preview of the coding form.
// Unsaved changes are kept in localStorage and survive a reload; leaving warns.
(function () {
  "use strict";

  var form = document.getElementById("codebook-form");
  var dataNode = document.getElementById("codebook-editor-data");
  if (!form || !dataNode || !window.fetch) return;

  var config = JSON.parse(dataNode.textContent);
  var gettext = window.gettext || function (text) { return text; };
  var editor = document.getElementById("codebook-editor");
  var textField = document.getElementById("codebook-text-field");
  var textArea = document.getElementById("codebook-text");
  var tokenInput = document.getElementById("codebook-token");
  var outcome = document.getElementById("codebook-outcome");
  var errorsBox = document.getElementById("codebook-errors");
  var conflictBox = document.getElementById("codebook-conflict");
  var previewPanel = document.getElementById("codebook-preview-panel");
  var preview = document.getElementById("codebook-preview");
  var draftNotice = document.getElementById("codebook-draft-notice");
  var draftText = document.getElementById("codebook-draft-text");
  var draftDiscard = document.getElementById("codebook-draft-discard");
  var openForm = document.getElementById("codebook-open-form");
  var openStatus = document.getElementById("codebook-open-status");
  var saveButton = document.getElementById("codebook-save");
  var storageKey = "codebook-draft:" + config.slug;
  var kinds = config.kinds;
  var CHOICE = { single: true, multi: true };

  var announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  announcer.id = "codebook-announce";
  form.appendChild(announcer);

  // A codebook in several languages: `label`, `help` and `title` hold the language being
  // edited; every language's text is in the holder's `words` ({label: {en: …, es: …}}).
  var languages = config.languages || [];
  var editing = "en";
  var book = fromData(config.codebook);
  var savedJson = JSON.stringify(serialize(book));
  var dirty = false;
  var checkTimer = null;
  var checkSeq = 0;
  var lastError = null;
  var dragging = null;

  // --- the data ------------------------------------------------------------------------

  // A holder of words (section, attribute, option) read from the file's `said`
  // ({label: "Level" or {en: "Level", es: "Nivel"}}): the source language's text in its
  // fields, every language's in `words`.
  function worded(holder, said, source) {
    holder.words = {};
    Object.keys(said).forEach(function (field) {
      var value = said[field];
      var map = value && typeof value === "object" ? value : {};
      if (!value || typeof value !== "object") map[source] = value || "";
      holder.words[field] = Object.assign({}, map);
      holder[field] = map[source] || "";
    });
    return holder;
  }

  // The holder's `field` as the file says it: the text alone, or a map when another
  // language has one (the source language first); the field's text is the `editing` one.
  function said(holder, field, source) {
    var map = Object.assign({}, (holder.words || {})[field] || {});
    map[editing] = holder[field] || "";
    var out = {};
    out[source] = map[source] || "";
    var others = false;
    Object.keys(map).forEach(function (code) {
      if (code !== source && map[code]) { out[code] = map[code]; others = true; }
    });
    return others ? out : out[source];
  }

  function holders(b) {
    var all = [];
    b.sections.forEach(function (section) {
      all.push([section, ["title"]]);
      section.attributes.forEach(function (a) {
        all.push([a, ["label", "help"]]);
        a.options.forEach(function (o) { all.push([o, ["label"]]); });
        if (a.none) all.push([a.none, ["label"]]);
      });
    });
    return all;
  }

  // In another language than the source, an empty field shows the source language's text
  // as its placeholder: what readers of that language get while it stays empty.
  function showSourceWords() {
    var source = book.language || "en";
    editor.querySelectorAll("[data-path]").forEach(function (input) {
      var path = input.getAttribute("data-path");
      var found = path.match(/^(.*)\.(title|label|help)$/);
      if (!found || path === "title") return;
      var holder = target(path)[0];
      var text = editing === source ? "" : ((holder.words || {})[found[2]] || {})[source] || "";
      if (text) input.setAttribute("placeholder", text);
      else input.removeAttribute("placeholder");
    });
  }

  // Edit the labels in language `to`: what was typed is kept in `words`.
  function switchLanguage(to) {
    holders(book).forEach(function (pair) {
      var holder = pair[0];
      holder.words = holder.words || {};
      pair[1].forEach(function (field) {
        holder.words[field] = holder.words[field] || {};
        holder.words[field][editing] = holder[field] || "";
        holder[field] = holder.words[field][to] || "";
      });
    });
    editing = to;
  }

  function fromData(data) {
    var source = data.language || "en";
    editing = source;
    return {
      title: data.title || "",
      language: source,
      sections: (data.sections || []).map(function (section) {
        return worded({
          attributes: (section.attributes || []).map(function (a) {
            return worded({
              key: a.key || "", kind: a.kind || "single",
              required: !!a.required, level: a.level || "",
              options: (a.options || []).map(function (o) {
                return worded({ key: o.key || "", auto: false }, { label: o.label }, source);
              }),
              none: a.none_option ? worded({ key: a.none_option.key },
                                           { label: a.none_option.label }, source)
                : null,
              auto: false,
            }, { label: a.label, help: a.help }, source);
          }),
        }, { title: section.title }, source);
      }),
    };
  }

  function serialize(b) {
    var source = b.language || "en";
    var out = { title: b.title };
    if (source !== "en") out.language = source;
    out.sections = b.sections.map(function (section) {
      return {
        title: said(section, "title", source),
        attributes: section.attributes.map(function (a) {
          var out = { key: a.key, label: said(a, "label", source), kind: a.kind,
                      help: said(a, "help", source), required: a.required };
          if (a.kind !== "text" && a.level) out.level = a.level;
          if (CHOICE[a.kind]) {
            out.options = a.options.map(function (o) {
              return { key: o.key, label: said(o, "label", source) };
            });
          }
          if (a.kind === "multi" && a.none) {
            out.none_option = { key: a.none.key, label: said(a.none, "label", source) };
          }
          return out;
        }),
      };
    });
    return out;
  }

  // The languages bar above the editor: the codebook's source language and the language
  // whose labels the fields show (only when the site has more than one language).
  var languageBar = null;
  function renderLanguages() {
    if (languages.length < 2) return;
    if (!languageBar) {
      languageBar = h("div", { "class": "cb-languages", id: "cb-languages" });
      editor.parentNode.insertBefore(languageBar, editor);
      languageBar.addEventListener("change", function (event) {
        if (event.target.id === "cb-edit-language") {
          switchLanguage(event.target.value);
          render();
        } else if (event.target.id === "cb-source-language") {
          book.language = event.target.value;
          renderLanguages();
          changed();
        }
      });
    }
    languageBar.hidden = editor.hidden;
    languageBar.textContent = "";
    function choices(selected, marked) {
      return languages.map(function (l) {
        var text = l.name + (marked && l.code === book.language
          ? " " + gettext("(source language)") : "");
        return h("option", { value: l.code, text: text, selected: l.code === selected });
      });
    }
    languageBar.appendChild(field("cb-source-language", gettext("Source language"), "",
      h("select", { "aria-describedby": "cb-languages-help" }, choices(book.language, false))));
    languageBar.appendChild(field("cb-edit-language", gettext("Show and edit the labels in"),
      "", h("select", { "aria-describedby": "cb-languages-help" }, choices(editing, true))));
    languageBar.appendChild(h("p", { "class": "help", id: "cb-languages-help", text: gettext("Titles, labels and help texts are written in the source language; a label left empty in another language is shown to its readers in the source language. Keys and values are the same in every language.") }));
  }

  function levelsOf(kind) {
    for (var i = 0; i < kinds.length; i++) if (kinds[i].value === kind) return kinds[i].levels;
    return [];
  }

  // A key from a label: lower case letters, digits and "_" (what a key may hold), unique.
  function suggestKey(label, taken, fallback) {
    var key = label.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60);
    if (!key) key = fallback;
    var candidate = key, n = 2;
    while (taken.indexOf(candidate) !== -1) candidate = key + "_" + n++;
    return candidate;
  }

  function attributeKeys(except) {
    var keys = [];
    book.sections.forEach(function (s) {
      s.attributes.forEach(function (a) { if (a !== except) keys.push(a.key); });
    });
    return keys;
  }

  function optionKeys(attribute, except) {
    var keys = attribute.options.filter(function (o) { return o !== except; })
      .map(function (o) { return o.key; });
    if (attribute.none) keys.push(attribute.none.key);
    return keys;
  }

  // --- rendering ---------------------------------------------------------------------------

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === false || value === null || value === undefined) return;
      if (name === "text") node.textContent = value;
      else if (name === "value") node.value = value;
      else if (name === "checked") node.checked = !!value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function place(s, a, o) {
    var numbers = { section: s + 1, attribute: a + 1, option: o + 1 };
    if (o !== undefined) {
      return interpolate(gettext("section %(section)s, attribute %(attribute)s, option %(option)s"), numbers, true);
    }
    if (a !== undefined) return interpolate(gettext("section %(section)s, attribute %(attribute)s"), numbers, true);
    return interpolate(gettext("section %(section)s"), numbers, true);
  }

  // A translated sentence with a node in it (a heading's live label, a link): the text
  // before and after the placeholder `slot`, the other placeholders filled in.
  function around(pattern, values, slot) {
    var filled = Object.assign({}, values);
    filled[slot] = "\u0000";
    var parts = interpolate(pattern, filled, true).split("\u0000");
    return [parts[0], parts.slice(1).join("")];
  }

  function fill(pattern, values) { return interpolate(pattern, values, true); }

  // A labelled control: visible `label`, and the place for screen readers (every control's
  // name is unique: "Label (section 1, attribute 2)").
  function field(id, label, where, control, extraClass) {
    control.id = id;
    return h("div", { "class": "field cb-field" + (extraClass ? " " + extraClass : "") }, [
      h("label", { "for": id }, [label, where ? h("span", { "class": "visually-hidden",
                                                              text: " (" + where + ")" }) : null]),
      control,
    ]);
  }

  function button(text, where, action, data, extraClass) {
    var attrs = { type: "button", "class": "button small " + (extraClass || ""),
                  "data-action": action };
    Object.keys(data || {}).forEach(function (k) { attrs["data-" + k] = data[k]; });
    attrs.id = "cb-" + action + "-" + Object.keys(data || {}).map(function (k) {
      return data[k];
    }).join("-");
    return h("button", attrs, [text, where ? h("span", { "class": "visually-hidden",
                                                          text: " (" + where + ")" }) : null]);
  }

  function render(focusId) {
    renderLanguages();
    editor.textContent = "";
    editor.appendChild(field("cb-title", gettext("Codebook title"), "", h("input", {
      type: "text", value: book.title, "data-path": "title", maxlength: "300",
      autocomplete: "off",
    }), "cb-title"));
    var list = h("ol", { "class": "cb-sections", "aria-label": gettext("Sections") });
    book.sections.forEach(function (section, s) { list.appendChild(renderSection(section, s)); });
    editor.appendChild(list);
    editor.appendChild(h("p", { "class": "help", text:
      gettext("Reorder with the Move up and Move down buttons, Alt+Up and Alt+Down in a section or attribute, or drag the ⋮⋮ handle.") }));
    editor.appendChild(button(gettext("Add section"), "", "add-section", {}, "cb-add-section"));
    showSourceWords();
    if (focusId) {
      var target = document.getElementById(focusId);
      if (target) target.focus();
    }
    if (lastError) showFieldError(lastError, false);
  }

  function renderSection(section, s) {
    var where = place(s);
    var attributes = h("ol", { "class": "cb-attributes", "data-s": s,
                               "aria-label": fill(gettext("Attributes of %(place)s"), { place: where }) });
    section.attributes.forEach(function (a, i) { attributes.appendChild(renderAttribute(a, s, i)); });
    var heading = around(gettext("Section %(number)s: %(title)s"), { number: s + 1 }, "title");
    return h("li", { "class": "cb-section", "data-scope": "section", "data-s": s,
                     id: "cb-s" + s }, [
      h("div", { "class": "cb-head" }, [
        h("span", { "class": "cb-drag", draggable: "true", "aria-hidden": "true",
                    title: gettext("Drag to move this section"), "data-drag": "section", "data-s": s,
                    text: "⋮⋮" }),
        h("h2", { "class": "cb-heading", id: "cb-s" + s + "-heading" }, [
          heading[0], h("span", { "class": "cb-heading-label",
                                  text: section.title || gettext("(no title)") }), heading[1]]),
        h("div", { "class": "cb-tools" }, [
          button(gettext("Move up"), where, "move-section", { s: s, dir: -1 }),
          button(gettext("Move down"), where, "move-section", { s: s, dir: 1 }),
          button(gettext("Remove"), where, "remove-section", { s: s }, "cb-remove"),
        ]),
      ]),
      field("cb-s" + s + "-title", gettext("Section title"), where, h("input", {
        type: "text", value: section.title, "data-path": "sections." + s + ".title",
        maxlength: "200", autocomplete: "off",
      })),
      attributes,
      button(gettext("Add attribute"), where, "add-attribute", { s: s }),
    ]);
  }

  function renderAttribute(a, s, i) {
    var where = place(s, i);
    var id = "cb-s" + s + "-a" + i;
    var path = "sections." + s + ".attributes." + i;
    var kindSelect = h("select", { "data-path": path + ".kind" }, kinds.map(function (k) {
      return h("option", { value: k.value, text: k.label, selected: k.value === a.kind });
    }));
    var levels = levelsOf(a.kind);
    var levelSelect = h("select", { "data-path": path + ".level" }, levels.map(function (l) {
      return h("option", { value: l.value, text: l.label, selected: l.value === a.level });
    }));
    var body = [
      field(id + "-label", gettext("Label"), where, h("input", {
        type: "text", value: a.label, "data-path": path + ".label", maxlength: "200",
        autocomplete: "off" })),
      field(id + "-key", gettext("Key"), where, h("input", {
        type: "text", value: a.key, "data-path": path + ".key", maxlength: "80",
        autocomplete: "off", spellcheck: "false", "aria-describedby": id + "-key-help" })),
      h("p", { "class": "help cb-key-help", id: id + "-key-help", text: a.auto
        ? gettext("Suggested from the label; letters, digits, - and _.")
        : gettext("Letters, digits, - and _.") }),
      field(id + "-kind", gettext("Kind"), where, kindSelect),
      levels.length > 1 ? field(id + "-level", gettext("Level of measurement"), where, levelSelect) : null,
      field(id + "-help", gettext("Help text"), where, h("textarea", {
        rows: "2", value: a.help, "data-path": path + ".help" }), "cb-wide"),
      h("div", { "class": "field cb-check" }, [
        h("input", { type: "checkbox", id: id + "-required", "data-path": path + ".required",
                     checked: a.required }),
        h("label", { "for": id + "-required" }, [gettext("Required"), h("span", {
          "class": "visually-hidden", text: " (" + where + ")" })]),
      ]),
    ];
    var heading = around(gettext("Attribute %(number)s: %(label)s"), { number: i + 1 }, "label");
    var card = h("li", { "class": "cb-attribute", "data-scope": "attribute", "data-s": s,
                         "data-a": i, id: id }, [
      h("div", { "class": "cb-head" }, [
        h("span", { "class": "cb-drag", draggable: "true", "aria-hidden": "true",
                    title: gettext("Drag to move this attribute"), "data-drag": "attribute",
                    "data-s": s, "data-a": i, text: "⋮⋮" }),
        h("h3", { "class": "cb-heading", id: id + "-heading" }, [
          heading[0], h("span", { "class": "cb-heading-label",
                                  text: a.label || gettext("(no label)") }), heading[1]]),
        h("div", { "class": "cb-tools" }, [
          button(gettext("Move up"), where, "move-attribute", { s: s, a: i, dir: -1 }),
          button(gettext("Move down"), where, "move-attribute", { s: s, a: i, dir: 1 }),
          button(gettext("Remove"), where, "remove-attribute", { s: s, a: i }, "cb-remove"),
        ]),
      ]),
      h("div", { "class": "cb-grid" }, body),
    ]);
    if (CHOICE[a.kind]) card.appendChild(renderOptions(a, s, i));
    return card;
  }

  function renderOptions(a, s, i) {
    var where = place(s, i);
    var path = "sections." + s + ".attributes." + i;
    var rows = h("ol", { "class": "cb-options" });
    a.options.forEach(function (o, n) {
      var id = "cb-s" + s + "-a" + i + "-o" + n;
      var ow = place(s, i, n);
      rows.appendChild(h("li", { "class": "cb-option", "data-scope": "option", "data-s": s,
                                 "data-a": i, "data-o": n }, [
        field(id + "-label", gettext("Option label"), ow, h("input", {
          type: "text", value: o.label, "data-path": path + ".options." + n + ".label",
          maxlength: "200", autocomplete: "off" })),
        field(id + "-key", gettext("Option key"), ow, h("input", {
          type: "text", value: o.key, "data-path": path + ".options." + n + ".key",
          maxlength: "80", autocomplete: "off", spellcheck: "false" })),
        h("div", { "class": "cb-tools" }, [
          button(gettext("Move up"), ow, "move-option", { s: s, a: i, o: n, dir: -1 }),
          button(gettext("Move down"), ow, "move-option", { s: s, a: i, o: n, dir: 1 }),
          button(gettext("Remove"), ow, "remove-option", { s: s, a: i, o: n }, "cb-remove"),
        ]),
      ]));
    });
    var children = [h("legend", {}, [gettext("Options"), h("span", { "class": "visually-hidden",
                                                             text: " (" + where + ")" })]),
                    rows, button(gettext("Add option"), where, "add-option", { s: s, a: i })];
    if (a.kind === "multi") {
      var id = "cb-s" + s + "-a" + i + "-none";
      children.push(h("div", { "class": "field cb-check" }, [
        h("input", { type: "checkbox", id: id, "data-action": "toggle-none", "data-s": s,
                     "data-a": i, checked: !!a.none, "aria-describedby": id + "-help" }),
        h("label", { "for": id }, [gettext("Offer a “none of these” option"), h("span", {
          "class": "visually-hidden", text: " (" + where + ")" })]),
      ]));
      children.push(h("p", { "class": "help", id: id + "-help", text:
        gettext("An explicit choice that the source reports none of the options; it cannot be ticked with another.") }));
      if (a.none) {
        children.push(h("div", { "class": "cb-option cb-none" }, [
          field(id + "-label", gettext("None option label"), where, h("input", {
            type: "text", value: a.none.label, "data-path": path + ".none_option.label",
            maxlength: "200", autocomplete: "off" })),
          field(id + "-key", gettext("None option key"), where, h("input", {
            type: "text", value: a.none.key, "data-path": path + ".none_option.key",
            maxlength: "80", autocomplete: "off", spellcheck: "false" })),
        ]));
      }
    }
    return h("fieldset", { "class": "cb-options-set" }, children);
  }

  // --- changes -----------------------------------------------------------------------------

  function target(path) {
    // "sections.0.attributes.1.options.2.label" -> [object, property]
    var parts = path.split(".");
    var node = book;
    for (var i = 0; i < parts.length - 1; i++) {
      var part = parts[i];
      if (part === "none_option") node = node.none;
      else node = node[/^\d+$/.test(part) ? Number(part) : part];
    }
    return [node, parts[parts.length - 1]];
  }

  function attributeAt(s, a) { return book.sections[s].attributes[a]; }

  editor.addEventListener("input", function (event) {
    var input = event.target;
    var path = input.getAttribute("data-path");
    if (!path || input.type === "checkbox" || input.tagName === "SELECT") return;
    var found = target(path);
    var node = found[0], name = found[1];
    node[name] = input.value;
    var card = input.closest("[data-scope]");
    if (name === "key") node.auto = false;
    if (name === "label" && card) {
      var heading = card.querySelector(".cb-heading-label");
      if (heading && card.getAttribute("data-scope") !== "option") {
        heading.textContent = input.value || gettext("(no label)");
      }
      if (node.auto && editing === (book.language || "en")) {
        var isOption = card.getAttribute("data-scope") === "option";
        var owner = isOption ? attributeAt(+card.getAttribute("data-s"),
                                           +card.getAttribute("data-a")) : null;
        node.key = isOption ? suggestKey(input.value, optionKeys(owner, node), "option")
          : suggestKey(input.value, attributeKeys(node), "attribute");
        var keyInput = editor.querySelector('[data-path="' + path.replace(/label$/, "key") + '"]');
        if (keyInput) keyInput.value = node.key;
      }
    }
    if (path.match(/^sections\.\d+\.title$/) && card) {
      card.querySelector(".cb-heading-label").textContent = input.value || gettext("(no title)");
    }
    changed();
  });

  editor.addEventListener("change", function (event) {
    var input = event.target;
    var path = input.getAttribute("data-path");
    if (input.getAttribute("data-action") === "toggle-none") {
      var a = attributeAt(+input.dataset.s, +input.dataset.a);
      a.none = input.checked ? { key: suggestKey("none", optionKeys(a), "none"),
                                 label: gettext("None of these reported") } : null;
      render(input.id);
      changed();
      return;
    }
    if (!path) return;
    var found = target(path);
    if (input.type === "checkbox") {
      found[0][found[1]] = input.checked;
    } else if (input.tagName === "SELECT") {
      found[0][found[1]] = input.value;
      if (found[1] === "kind") {
        var attribute = found[0];
        var levels = levelsOf(attribute.kind).map(function (l) { return l.value; });
        if (levels.indexOf(attribute.level) === -1) attribute.level = levels[0] || "";
        if (CHOICE[attribute.kind] && !attribute.options.length) {
          attribute.options.push({ key: "", label: "", auto: true });
        }
        render(input.id);
      }
    }
    changed();
  });

  function move(list, from, to) {
    var item = list.splice(from, 1)[0];
    list.splice(to, 0, item);
  }

  function moveAttribute(s, a, dir) {
    var section = book.sections[s];
    var item = section.attributes[a];
    if (a + dir >= 0 && a + dir < section.attributes.length) {
      move(section.attributes, a, a + dir);
      return [s, a + dir];
    }
    var next = s + dir;
    if (next < 0 || next >= book.sections.length) return null;
    section.attributes.splice(a, 1);
    var into = book.sections[next].attributes;
    if (dir < 0) { into.push(item); return [next, into.length - 1]; }
    into.unshift(item);
    return [next, 0];
  }

  function act(action, d, fromKey) {
    var s = +d.s, a = +d.a, o = +d.o, dir = +d.dir;
    var focus = null, said = "";
    if (action === "add-section") {
      book.sections.push({ title: "", attributes: [] });
      focus = "cb-s" + (book.sections.length - 1) + "-title";
      said = fill(gettext("Section %(number)s added."), { number: book.sections.length });
    } else if (action === "remove-section") {
      if (book.sections[s].attributes.length &&
          !window.confirm(fill(gettext("Remove section %(number)s and its attributes?"), { number: s + 1 }))) return;
      book.sections.splice(s, 1);
      focus = book.sections.length ? "cb-s" + Math.min(s, book.sections.length - 1) + "-title"
        : "cb-add-section-";
      said = fill(gettext("Section %(number)s removed."), { number: s + 1 });
    } else if (action === "move-section") {
      if (s + dir < 0 || s + dir >= book.sections.length) {
        announce(dir < 0 ? gettext("Already the first section.") : gettext("Already the last section."));
        return;
      }
      move(book.sections, s, s + dir);
      focus = fromKey ? "cb-s" + (s + dir) + "-title"
        : "cb-move-section-" + (s + dir) + "-" + dir;
      said = fill(gettext("Section moved to position %(number)s."), { number: s + dir + 1 });
    } else if (action === "add-attribute") {
      book.sections[s].attributes.push({ key: "", label: "", kind: "single", help: "",
        required: false, level: "nominal", options: [{ key: "", label: "", auto: true }],
        none: null, auto: true });
      var n = book.sections[s].attributes.length - 1;
      focus = "cb-s" + s + "-a" + n + "-label";
      said = fill(gettext("Attribute %(attribute)s added to section %(section)s."), { attribute: n + 1, section: s + 1 });
    } else if (action === "remove-attribute") {
      book.sections[s].attributes.splice(a, 1);
      focus = book.sections[s].attributes.length
        ? "cb-s" + s + "-a" + Math.min(a, book.sections[s].attributes.length - 1) + "-label"
        : "cb-add-attribute-" + s;
      said = fill(gettext("Attribute %(attribute)s of section %(section)s removed."), { attribute: a + 1, section: s + 1 });
    } else if (action === "move-attribute") {
      var to = moveAttribute(s, a, dir);
      if (!to) {
        announce(dir < 0 ? gettext("Already the first attribute.") : gettext("Already the last attribute."));
        return;
      }
      focus = fromKey ? "cb-s" + to[0] + "-a" + to[1] + "-label"
        : "cb-move-attribute-" + to[0] + "-" + to[1] + "-" + dir;
      said = fill(gettext("Attribute moved to %(place)s."), { place: place(to[0], to[1]) });
    } else if (action === "add-option") {
      var attr = attributeAt(s, a);
      attr.options.push({ key: "", label: "", auto: true });
      focus = "cb-s" + s + "-a" + a + "-o" + (attr.options.length - 1) + "-label";
      said = fill(gettext("Option %(number)s added."), { number: attr.options.length });
    } else if (action === "remove-option") {
      var owner = attributeAt(s, a);
      owner.options.splice(o, 1);
      focus = owner.options.length
        ? "cb-s" + s + "-a" + a + "-o" + Math.min(o, owner.options.length - 1) + "-label"
        : "cb-add-option-" + s + "-" + a;
      said = fill(gettext("Option %(number)s removed."), { number: o + 1 });
    } else if (action === "move-option") {
      var options = attributeAt(s, a).options;
      if (o + dir < 0 || o + dir >= options.length) {
        announce(dir < 0 ? gettext("Already the first option.") : gettext("Already the last option."));
        return;
      }
      move(options, o, o + dir);
      focus = fromKey ? "cb-s" + s + "-a" + a + "-o" + (o + dir) + "-label"
        : "cb-move-option-" + s + "-" + a + "-" + (o + dir) + "-" + dir;
      said = fill(gettext("Option moved to position %(number)s."), { number: o + dir + 1 });
    } else {
      return;
    }
    lastError = null;
    render(focus);
    announce(said);
    changed();
  }

  editor.addEventListener("click", function (event) {
    var control = event.target.closest("button[data-action]");
    if (!control) return;
    act(control.getAttribute("data-action"), control.dataset, false);
  });

  // Alt+Up / Alt+Down moves the option, attribute or section the focus is in.
  editor.addEventListener("keydown", function (event) {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    var scope = event.target.closest("[data-scope]");
    if (!scope) return;
    event.preventDefault();
    var d = { s: scope.dataset.s, a: scope.dataset.a, o: scope.dataset.o,
              dir: event.key === "ArrowUp" ? -1 : 1 };
    act("move-" + scope.getAttribute("data-scope"), d, true);
  });

  // Drag: an attribute onto another (before it) or onto a section's list (at its end); a
  // section onto another section.
  editor.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest("[data-drag]");
    if (!handle) return;
    dragging = { what: handle.dataset.drag, s: +handle.dataset.s, a: +handle.dataset.a };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragging.what);
    handle.closest("[data-scope]").classList.add("is-dragging");
  });

  function dropTarget(event) {
    if (!dragging) return null;
    if (dragging.what === "attribute") {
      var card = event.target.closest(".cb-attribute");
      if (card) return { node: card, s: +card.dataset.s, a: +card.dataset.a };
      var section = event.target.closest(".cb-section");
      if (section) return { node: section, s: +section.dataset.s, a: null };
      return null;
    }
    var sec = event.target.closest(".cb-section");
    return sec ? { node: sec, s: +sec.dataset.s } : null;
  }

  editor.addEventListener("dragover", function (event) {
    var found = dropTarget(event);
    if (!found) return;
    event.preventDefault();
    editor.querySelectorAll(".is-drop-target").forEach(function (n) {
      n.classList.remove("is-drop-target");
    });
    found.node.classList.add("is-drop-target");
  });

  editor.addEventListener("dragend", function () {
    dragging = null;
    editor.querySelectorAll(".is-drop-target, .is-dragging").forEach(function (n) {
      n.classList.remove("is-drop-target", "is-dragging");
    });
  });

  editor.addEventListener("drop", function (event) {
    var found = dropTarget(event);
    if (!found) return;
    event.preventDefault();
    var from = dragging;
    dragging = null;
    var focus;
    if (from.what === "section") {
      if (from.s === found.s) { render(); return; }
      move(book.sections, from.s, found.s);
      focus = "cb-s" + found.s + "-title";
      announce(fill(gettext("Section moved to position %(number)s."), { number: found.s + 1 }));
    } else {
      var item = book.sections[from.s].attributes.splice(from.a, 1)[0];
      var into = book.sections[found.s].attributes;
      var at = found.a === null ? into.length : found.a;
      into.splice(Math.min(at, into.length), 0, item);
      var index = into.indexOf(item);
      focus = "cb-s" + found.s + "-a" + index + "-label";
      announce(fill(gettext("Attribute moved to %(place)s."), { place: place(found.s, index) }));
    }
    render(focus);
    changed();
  });

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 30);
  }

  // --- draft, check and save ---------------------------------------------------------------

  function currentJson() { return JSON.stringify(serialize(book)); }

  function changed() {
    dirty = currentJson() !== savedJson;
    try {
      if (dirty) {
        localStorage.setItem(storageKey, JSON.stringify({
          base: tokenInput.value, book: serialize(book), at: new Date().toISOString() }));
      } else {
        localStorage.removeItem(storageKey);
      }
    } catch (e) { /* storage full or refused: the page still works */ }
    scheduleCheck();
  }

  function scheduleCheck() {
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(check, 400);
  }

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "Accept": "application/json" } });
  }

  function formData() {
    textArea.value = currentJson();
    return new FormData(form);
  }

  function check() {
    var seq = ++checkSeq;
    post(form.getAttribute("data-check-url"), formData()).then(function (r) {
      return r.json();
    }).then(function (answer) {
      if (seq !== checkSeq) return;
      if (answer.conflict) { showConflict(answer.message); return; }
      if (answer.ok) {
        clearErrors();
        outcome.textContent = dirty ? answer.message : gettext("Saved: no unsaved changes.");
        outcome.className = "codebook-outcome is-" + answer.outcome.replace(" ", "-");
        preview.innerHTML = answer.preview;
        return;
      }
      lastError = answer.error;
      outcome.className = "codebook-outcome is-invalid";
      outcome.textContent = fill(gettext("Not ready to save: %(error)s"), { error: answer.error.message });
      showFieldError(answer.error, false);
    }).catch(function () {
      outcome.textContent = gettext("The check did not answer; your changes are kept in this browser.");
    });
  }

  function clearErrors() {
    lastError = null;
    errorsBox.hidden = true;
    errorsBox.textContent = "";
    editor.querySelectorAll(".cb-error").forEach(function (n) { n.remove(); });
    editor.querySelectorAll("[aria-invalid]").forEach(function (n) {
      n.removeAttribute("aria-invalid");
      var described = (n.getAttribute("aria-describedby") || "").split(" ")
        .filter(function (id) { return id && id.indexOf("-error") === -1; }).join(" ");
      if (described) n.setAttribute("aria-describedby", described);
      else n.removeAttribute("aria-describedby");
    });
  }

  // The error beside its field (the nearest one its place names), and in the summary when
  // a save was refused.
  function showFieldError(error, summary) {
    editor.querySelectorAll(".cb-error").forEach(function (n) { n.remove(); });
    var path = error.field || "";
    var control = null;
    while (path && !control) {
      control = editor.querySelector('[data-path="' + path + '"]');
      if (!control) {
        var list = editor.querySelector('[data-path="' + path + '.0.label"], [data-path="' +
                                        path + '.label"], [data-path="' + path + '.title"]');
        control = list;
      }
      if (!control) path = path.replace(/\.?[^.]+$/, "");
    }
    if (!control) control = document.getElementById("cb-title");
    var id = (control.id || "cb-field") + "-error";
    // Beside the field, the reason (its place is where it stands); the whole message in the
    // summary and the status line.
    var message = h("p", { "class": "error cb-error", id: id, text: error.reason || error.message });
    var holder = control.closest(".field");
    if (holder.parentNode.classList.contains("cb-option")) holder.parentNode.appendChild(message);
    else holder.appendChild(message);
    control.setAttribute("aria-invalid", "true");
    var described = (control.getAttribute("aria-describedby") || "").split(" ")
      .filter(function (x) { return x && x !== id; });
    described.push(id);
    control.setAttribute("aria-describedby", described.join(" "));
    if (summary) {
      errorsBox.textContent = "";
      var link = h("a", { href: "#" + control.id, text: error.message });
      link.addEventListener("click", function (event) {
        event.preventDefault();
        control.focus();
      });
      var sentence = around(gettext("Not saved. %(error)s"), {}, "error");
      errorsBox.appendChild(h("p", {}, [sentence[0], link, sentence[1]]));
      errorsBox.hidden = false;
      control.focus();
    }
  }

  function showConflict(message) {
    conflictBox.textContent = "";
    var reload = h("button", { type: "button", "class": "button small",
                               text: gettext("Load the saved codebook (discards your changes)") });
    reload.addEventListener("click", function () {
      try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
      dirty = false;
      window.location.reload();
    });
    conflictBox.appendChild(h("p", { text: message }));
    conflictBox.appendChild(reload);
    conflictBox.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(checkTimer);
    saveButton.disabled = true;
    post(form.action, formData()).then(function (r) {
      return r.json().then(function (answer) { return [r.status, answer]; });
    }).then(function (result) {
      var status = result[0], answer = result[1];
      saveButton.disabled = false;
      if (status === 409 || answer.conflict) { showConflict(answer.message); return; }
      if (!answer.ok) {
        if (answer.error) {
          lastError = answer.error;
          showFieldError(answer.error, true);
        } else {
          errorsBox.textContent = answer.message || gettext("Not saved.");
          errorsBox.hidden = false;
        }
        return;
      }
      tokenInput.value = answer.token;
      savedJson = currentJson();
      dirty = false;
      try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
      clearErrors();
      conflictBox.hidden = true;
      draftNotice.hidden = true;
      outcome.className = "codebook-outcome is-saved";
      outcome.textContent = answer.message;
    }).catch(function () {
      saveButton.disabled = false;
      errorsBox.textContent = gettext("Not saved: the server did not answer. Your changes are kept in this browser; try again.");
      errorsBox.hidden = false;
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // "Open a file": the file's codebook becomes the editor's, unsaved.
  if (openForm) {
    openForm.addEventListener("submit", function (event) {
      event.preventDefault();
      openStatus.textContent = gettext("Opening…");
      post(openForm.action, new FormData(openForm)).then(function (r) {
        return r.json();
      }).then(function (answer) {
        if (!answer.ok) {
          openStatus.textContent = answer.file
            ? fill(gettext("Not opened: %(file)s: %(error)s"), { file: answer.file, error: answer.error.message })
            : fill(gettext("Not opened: %(error)s"), { error: answer.error.message });
          openStatus.classList.add("error");
          return;
        }
        openStatus.classList.remove("error");
        book = fromData(answer.codebook);
        lastError = null;
        render("cb-title");
        changed();
        openStatus.textContent = fill(gettext("Opened %(file)s as a proposal: review it, then save. Nothing is saved yet."),
          { file: answer.file });
      }).catch(function () {
        openStatus.textContent = gettext("The file could not be sent; try again.");
      });
    });
  }

  draftDiscard.addEventListener("click", function () {
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
    tokenInput.value = config.token;
    book = fromData(config.codebook);
    draftNotice.hidden = true;
    conflictBox.hidden = true;
    lastError = null;
    render("cb-title");
    changed();
    announce(gettext("Draft discarded: the saved codebook is back."));
  });

  // --- start -------------------------------------------------------------------------------

  (function restoreDraft() {
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { stored = null; }
    if (!stored || !stored.book || JSON.stringify(stored.book) === savedJson) return;
    book = fromData(stored.book);
    tokenInput.value = stored.base || config.token;
    var when = new Date(stored.at);
    var page = document.documentElement, shown;
    try {
      shown = new Intl.DateTimeFormat(page.lang || undefined, {
        dateStyle: "medium", timeStyle: "short", timeZone: page.dataset.timeZone || undefined,
      }).format(when) + " " + (page.dataset.timeZone || "");
    } catch (e) { shown = when.toLocaleString(); }
    var text = fill(gettext("Your unsaved changes from %(time)s are restored."), { time: shown.trim() });
    if (stored.base !== config.token) {
      text += " " + gettext("Someone saved the codebook since you started them, so saving them will be refused: discard your draft to see the saved codebook.");
    }
    draftText.textContent = text;
    draftNotice.hidden = false;
  })();

  textField.hidden = true;
  editor.hidden = false;
  previewPanel.hidden = false;
  render();
  dirty = currentJson() !== savedJson;
  check();
})();
