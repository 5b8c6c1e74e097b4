// The coding form's attributes: each shows whether it is answered, the save bar counts
// them ("9 of 12 answered"), U jumps to the next unanswered one, 1-9 on an option choose
// the attribute's options, and evidence and note open when they hold text.
// Edits go through coding-form.js (it listens for input and change events), so autosave,
// the browser's copy of edits and conflicts work as for the mouse.
(function () {
  "use strict";

  var form = document.getElementById("coding-form");
  if (!form) return;
  var blocks = Array.prototype.slice.call(form.querySelectorAll(".attribute"));
  var counter = document.getElementById("answered-count");
  var nextButton = document.getElementById("next-unanswered");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function valueInputs(block) {
    var key = block.dataset.key;
    return Array.prototype.filter.call(form.elements, function (el) { return el.name === key; });
  }

  function isAnswered(block) {
    return valueInputs(block).some(function (el) {
      if (el.type === "radio" || el.type === "checkbox") return el.checked;
      return el.value.trim() !== "";
    });
  }

  function refresh() {
    var answered = 0;
    blocks.forEach(function (block) {
      var done = isAnswered(block);
      if (done) answered += 1;
      if (block.classList.contains("is-answered") !== done) {
        block.classList.toggle("is-answered", done);
        var text = block.querySelector(".state-text");
        if (text) text.textContent = done ? gettext("Answered") : gettext("Not answered yet");
      }
    });
    // "9 of 12 answered", the answered count in bold wherever the language puts it.
    var pattern = ngettext("%(answered)s of %(total)s answered", "%(answered)s of %(total)s answered",
      blocks.length);
    var parts = interpolate(pattern, { answered: "\u0000", total: numbers.format(blocks.length) }, true)
      .split("\u0000");
    var count = numbers.format(answered);
    if (counter && counter.textContent !== parts.join(count)) {
      counter.textContent = "";
      var strong = document.createElement("strong");
      strong.textContent = count;
      counter.appendChild(document.createTextNode(parts[0]));
      counter.appendChild(strong);
      counter.appendChild(document.createTextNode(parts.slice(1).join(count)));
    }
    if (nextButton) nextButton.disabled = answered === blocks.length;
  }

  // Evidence and note are one line until used; they open when they hold text (also text
  // brought back from the browser's copy of unsaved edits).
  function openFilled() {
    form.querySelectorAll(".evidence-note details").forEach(function (details) {
      var box = details.querySelector("textarea, input");
      if (box && box.value.trim() && !details.open) details.open = true;
    });
  }

  // Opening a disclosure puts the cursor in its text box at once (not on the later toggle
  // event), so that typing straight after Enter lands in the box.
  form.querySelectorAll(".evidence-note summary").forEach(function (summary) {
    summary.addEventListener("click", function (event) {
      var details = summary.parentNode;
      if (details.open) return;
      event.preventDefault();
      details.open = true;
      var box = details.querySelector("textarea, input");
      if (box) box.focus();
    });
  });

  function focusTarget(block) {
    var inputs = valueInputs(block);
    var checked = inputs.filter(function (el) { return el.checked; })[0];
    return checked || inputs[0];
  }

  function jumpToNextUnanswered() {
    var active = document.activeElement;
    var current = active ? blocks.indexOf(active.closest(".attribute")) : -1;
    for (var step = 1; step <= blocks.length; step++) {
      var block = blocks[(current + step + blocks.length) % blocks.length];
      if (!isAnswered(block)) {
        var target = focusTarget(block);
        block.scrollIntoView({ block: "center" });
        if (target) target.focus({ preventScroll: true });
        return true;
      }
    }
    return false;
  }

  function typing(el) {
    if (!el || el.isContentEditable) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && el.type !== "radio" && el.type !== "checkbox";
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (typing(target)) return;
    if (event.key === "u" || event.key === "U") {
      if (jumpToNextUnanswered()) event.preventDefault();
      return;
    }
    // 1-9 on an option: choose (radio) or tick/untick (checkbox) that option.
    if (!/^[1-9]$/.test(event.key) || !target.closest) return;
    var block = target.closest(".attribute");
    if (!block || (target.type !== "radio" && target.type !== "checkbox")) return;
    var option = valueInputs(block)[Number(event.key) - 1];
    if (!option) return;
    event.preventDefault();
    option.checked = option.type === "radio" ? true : !option.checked;
    option.focus();
    option.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // Definitions longer than two lines fold, with a button to read them whole.
  form.querySelectorAll(".attribute-help").forEach(function (wrap) {
    var help = wrap.querySelector(".help");
    wrap.classList.add("is-clamped");
    if (help.scrollHeight <= help.clientHeight + 1) {
      wrap.classList.remove("is-clamped");
      return;
    }
    var more = document.createElement("button");
    more.type = "button";
    more.className = "link-button help-more";
    more.setAttribute("aria-expanded", "false");
    more.textContent = gettext("more");
    more.addEventListener("click", function () {
      var open = wrap.classList.toggle("is-clamped") === false;
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? gettext("less") : gettext("more");
    });
    wrap.appendChild(more);
  });

  if (nextButton) {
    nextButton.hidden = false;
    nextButton.addEventListener("click", jumpToNextUnanswered);
  }
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  // The clear-choice buttons change radios without an event.
  form.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".clear-choice")) refresh();
  });
  openFilled();
  refresh();
})();
