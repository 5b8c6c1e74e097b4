// The case's documents beside the coding form: tabs between documents, PDFs drawn with
// pdf.js (vendored in static/vendor/pdfjs/) with a text layer so passages can be selected
// as evidence, a resizable split, and on phones a switch between the document and the form.
// Loaded as a module; every URL comes from data attributes (the CSP allows no inline script).

const viewer = document.querySelector("[data-document-viewer]");
const layout = document.querySelector("[data-split-layout]");
let pdfjsLib = null; // imported on first use
const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

// --- tabs -----------------------------------------------------------------------------

function showDocument(tab) {
  const tabs = [...viewer.querySelectorAll('[role="tab"]')];
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  loadPdfs(document.getElementById(tab.getAttribute("aria-controls")));
}

if (viewer) {
  const tabs = [...viewer.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => showDocument(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      const next = tabs[(index + step + tabs.length) % tabs.length];
      next.focus();
      showDocument(next);
    });
  });
  loadPdfs(viewer.querySelector("[data-document]:not([hidden])"));
}

// --- PDFs -------------------------------------------------------------------------------
// Pages are drawn as they scroll into view (an IntersectionObserver per PDF), in order of
// need, one at a time. Until then a page is a placeholder of the right size (the first page's
// size, corrected when the page is drawn), and at most PAGE_BUDGET pages are drawn at once:
// the page farthest from those in view gives back its canvas and text layer. A 50,000-page
// PDF costs its placeholders, not 50,000 canvases.

const PAGE_BUDGET = 8;
const views = new WeakMap(); // container -> its PdfView

async function pdfjs() {
  if (!pdfjsLib) {
    pdfjsLib = await import(viewer.dataset.pdfjs);
    pdfjsLib.GlobalWorkerOptions.workerSrc = viewer.dataset.pdfjsWorker;
  }
  return pdfjsLib;
}

function loadPdfs(section) {
  if (!section) return;
  for (const container of section.querySelectorAll("[data-pdf-src]:not([data-loaded])")) {
    // A hidden pane (another tab, or the form side on a phone) has no width to fit pages
    // to; it is drawn when it is shown.
    if (container.clientWidth === 0) continue;
    container.dataset.loaded = "true";
    renderPdf(container).catch((error) => showPdfError(container, error));
  }
}

function showPdfError(container, error) {
  const status = container.querySelector("[data-pdf-status]");
  status.textContent = interpolate(gettext("The PDF could not be shown here (%(error)s). Use “Open” above."),
    { error: error.message }, true);
  status.classList.remove("visually-hidden");
  status.classList.add("error");
}

const loaded = new WeakMap(); // container -> the pdf.js document, loaded once

async function renderPdf(container) {
  const lib = await pdfjs();
  if (!loaded.has(container)) {
    loaded.set(container, lib.getDocument({
      url: container.dataset.pdfSrc,
      withCredentials: true,
      standardFontDataUrl: viewer.dataset.standardFonts,
      enableXfa: false,
    }).promise);
  }
  const pdf = await loaded.get(container);
  const first = await pdf.getPage(1);
  const natural = first.getViewport({ scale: 1 });
  // From here on nothing waits: of two drawings (zoom pressed twice), the later replaces.
  const zoom = Number(container.dataset.zoom || "1");
  const width = container.clientWidth * zoom;
  views.get(container)?.stop();
  for (const old of container.querySelectorAll(".pdf-page")) old.remove();
  const view = new PdfView(container, pdf, lib, width, natural.height / natural.width);
  views.set(container, view);
  const status = container.querySelector("[data-pdf-status]");
  status.textContent = interpolate(ngettext("%(count)s page", "%(count)s pages", pdf.numPages),
    { count: numbers.format(pdf.numPages) }, true);
  status.classList.add("visually-hidden");
  view.start();
  // A highlight asked for before this document was drawn may be on one of its pages.
  applyHighlights();
}

// The nearest ancestor that scrolls `element` up and down (null: the window). Content taller
// than the whole box, not than its inside: a zoomed PDF's own box scrolls sideways only, and its
// scroll bar makes the inside shorter.
function scroller(element) {
  for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowY;
    if ((overflow === "auto" || overflow === "scroll") && node.scrollHeight > node.offsetHeight) {
      return node;
    }
  }
  return null;
}

let resizing = null;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => {
    for (const container of document.querySelectorAll("[data-pdf-src][data-loaded]")) {
      const view = views.get(container);
      if (view && !view.stopped) view.start();
    }
  }, 200);
});

class PdfView {
  constructor(container, pdf, lib, width, ratio) {
    this.container = container;
    this.pdf = pdf;
    this.lib = lib;
    this.width = width;
    this.drawn = new Map(); // page number -> pdf.js page, for the pages drawn now
    this.visible = new Set(); // page numbers in view
    this.queued = new Set();
    this.kept = new Set(); // pages asked for by number (an anchor): drawn even out of view
    this.waiting = new Map(); // page number -> callbacks for when it is drawn
    this.chain = Promise.resolve();
    this.stopped = false;
    this.texts = new Map(); // page number -> its text without white space, for finding quotes
    // Placeholders, made in one go (no layout until they are all in).
    const height = `${width * ratio}px`;
    const boxes = document.createDocumentFragment();
    this.boxes = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const box = document.createElement("div");
      box.className = "pdf-page";
      box.dataset.page = String(number);
      box.style.width = `${width}px`;
      box.style.height = height;
      boxes.append(box);
      this.boxes.push(box);
    }
    container.append(boxes);
  }

  box(number) { return this.boxes[number - 1]; }

  start() {
    // Pages within a pane's height of the view are drawn ahead of being seen. The margin
    // counts around the element that scrolls the pages (the document pane beside the form,
    // the window on a phone), so the observer watches from there, again when that changes.
    const root = scroller(this.container);
    if (this.observer && root === this.root) return;
    this.observer?.disconnect();
    this.root = root;
    this.visible.clear();
    this.observer = new IntersectionObserver((entries) => this.seen(entries),
      { root, rootMargin: "100% 0px" });
    for (const box of this.boxes) this.observer.observe(box);
  }

  stop() {
    this.stopped = true;
    this.observer?.disconnect();
    for (const page of this.drawn.values()) page.cleanup();
    this.drawn.clear();
  }

  seen(entries) {
    for (const entry of entries) {
      const number = Number(entry.target.dataset.page);
      if (entry.isIntersecting) this.visible.add(number);
      else this.visible.delete(number);
    }
    // Nearest the middle of the view first.
    const inView = [...this.visible].sort((a, b) => a - b);
    const middle = inView[Math.floor(inView.length / 2)];
    inView.sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle));
    for (const number of inView.slice(0, PAGE_BUDGET)) this.request(number);
  }

  // Draw page `number` (kept drawn while it is wanted); resolves once it is drawn.
  show(number) {
    if (number < 1 || number > this.pdf.numPages) return Promise.resolve(false);
    this.kept.clear(); // one page asked for at a time: the last
    this.kept.add(number);
    if (this.drawn.has(number)) return Promise.resolve(true);
    const done = new Promise((resolve) => {
      if (!this.waiting.has(number)) this.waiting.set(number, []);
      this.waiting.get(number).push(resolve);
    });
    this.request(number);
    return done;
  }

  wanted(number) { return this.visible.has(number) || this.kept.has(number); }

  request(number) {
    if (this.drawn.has(number) || this.queued.has(number)) return;
    this.queued.add(number);
    this.chain = this.chain.then(() => this.draw(number)).catch((error) => {
      showPdfError(this.container, error);
    });
  }

  async draw(number) {
    this.queued.delete(number);
    if (this.stopped || this.drawn.has(number) || !this.wanted(number)) return;
    const page = await this.pdf.getPage(number);
    if (this.stopped) return;
    const natural = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: this.width / natural.width });
    this.release(PAGE_BUDGET - 1); // room first: never more than the budget at once
    const box = this.box(number);
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", interpolate(gettext("Page %(page)s of %(pages)s"),
      { page: numbers.format(number), pages: numbers.format(this.pdf.numPages) }, true));
    box.style.setProperty("--total-scale-factor", String(viewport.scale));
    box.style.width = `${viewport.width}px`;
    box.style.height = `${viewport.height}px`;
    const canvas = document.createElement("canvas");
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.setAttribute("aria-hidden", "true");
    const textLayer = document.createElement("div");
    textLayer.className = "textLayer";
    box.replaceChildren(canvas, textLayer);
    box.dataset.drawn = "true";
    this.drawn.set(number, page);
    await page.render({
      canvas,
      canvasContext: canvas.getContext("2d"),
      viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
    }).promise;
    await new this.lib.TextLayer({
      textContentSource: page.streamTextContent(),
      container: textLayer,
      viewport,
    }).render();
    if (this.stopped) return;
    this.release();
    for (const resolve of this.waiting.get(number) || []) resolve(true);
    this.waiting.delete(number);
    this.container.dispatchEvent(new CustomEvent("pdf:rendered",
      { bubbles: true, detail: { page: number } }));
  }

  // Over the budget: give back the drawn pages farthest from those in view (never one in
  // view or asked for, nor one holding the selection).
  release(limit = PAGE_BUDGET) {
    if (this.drawn.size <= limit) return;
    const near = [...this.visible, ...this.kept];
    const distance = (n) => (near.length ? Math.min(...near.map((v) => Math.abs(v - n))) : n);
    const selection = window.getSelection();
    const spare = [...this.drawn.keys()]
      .filter((n) => !this.wanted(n) && !(selection?.rangeCount &&
        selection.getRangeAt(0).intersectsNode(this.box(n))))
      .sort((a, b) => distance(b) - distance(a));
    for (const number of spare.slice(0, this.drawn.size - limit)) {
      const box = this.box(number);
      const canvas = box.querySelector("canvas");
      if (canvas) { canvas.width = 0; canvas.height = 0; } // frees its memory at once
      box.replaceChildren();
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      delete box.dataset.drawn;
      this.drawn.get(number).cleanup();
      this.drawn.delete(number);
    }
  }

  // The first page whose text holds `needle` (white space removed, lower case), or 0. Reads
  // the pages' text (no drawing), once per page.
  async find(needle) {
    for (let number = 1; number <= this.pdf.numPages; number += 1) {
      if (this.stopped) return 0;
      if (!this.texts.has(number)) {
        const page = await this.pdf.getPage(number);
        const content = await page.getTextContent();
        this.texts.set(number, content.items.map((item) => item.str || "").join("")
          .replace(/\s+/g, "").toLowerCase());
        page.cleanup();
      }
      if (this.texts.get(number).includes(needle)) return number;
    }
    return 0;
  }
}

// Zoom: fit to the pane's width times 1, 1.25, ... 3; pages are drawn again at the new size.
const ZOOMS = [1, 1.25, 1.5, 2, 3];
for (const button of document.querySelectorAll("[data-pdf-zoom]")) {
  button.hidden = false;
  button.addEventListener("click", () => {
    const container = button.closest("[data-document]").querySelector("[data-pdf-src]");
    const now = ZOOMS.indexOf(Number(container.dataset.zoom || "1"));
    const step = { in: 1, out: -1, fit: -ZOOMS.length }[button.dataset.pdfZoom];
    const next = ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, now + step))];
    container.dataset.zoom = String(next);
    const label = button.closest("[data-document]").querySelector("[data-zoom-level]");
    // As the page writes it ("100 %"); the language's own spacing in its translation.
    if (label) {
      label.textContent = interpolate(gettext("%(percent)s %"),
        { percent: numbers.format(Math.round(next * 100)) }, true);
    }
    if (container.dataset.loaded) renderPdf(container);
  });
}

// --- resizable split --------------------------------------------------------------------

const SPLIT_KEY = "coding:split";
const separator = document.querySelector("[data-split-separator]");

function setSplit(percent) {
  const value = Math.max(20, Math.min(70, Math.round(percent)));
  layout.style.setProperty("--panel-width", `${value}%`);
  separator.setAttribute("aria-valuenow", String(value));
  try { localStorage.setItem(SPLIT_KEY, String(value)); } catch (e) { /* private mode */ }
}

if (layout && separator) {
  const saved = Number(localStorage.getItem(SPLIT_KEY));
  if (saved) setSplit(saved);
  separator.addEventListener("keydown", (event) => {
    const now = Number(separator.getAttribute("aria-valuenow"));
    const step = { ArrowLeft: -5, ArrowRight: 5, Home: -100, End: 100 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    setSplit(now + step);
  });
  separator.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    separator.setPointerCapture(event.pointerId);
    const box = layout.getBoundingClientRect();
    const move = (e) => setSplit(((e.clientX - box.left) / box.width) * 100);
    const stop = () => {
      separator.removeEventListener("pointermove", move);
      separator.removeEventListener("pointerup", stop);
    };
    separator.addEventListener("pointermove", move);
    separator.addEventListener("pointerup", stop);
  });
}

// --- phones: the document or the form --------------------------------------------------

for (const button of document.querySelectorAll("[data-show-pane]")) {
  button.addEventListener("click", () => {
    layout.dataset.show = button.dataset.showPane;
    for (const other of document.querySelectorAll("[data-show-pane]")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    if (button.dataset.showPane === "document") loadPdfs(viewer?.querySelector("[data-document]:not([hidden])"));
  });
}

// --- evidence highlights ------------------------------------------------------------------
// Other scripts ask for highlights with an event, so they need not know how documents are
// drawn: document.dispatchEvent(new CustomEvent("documents:highlight",
//   {detail: {quotes: [{text, className}], scroll: true}})).
// A quote is found by its characters, ignoring white space and case (a PDF's line breaks and a
// pasted quote's spacing differ); each occurrence's text is wrapped in <mark>.

let wanted = { quotes: [], scroll: false };

function clearHighlights(root) {
  for (const mark of root.querySelectorAll("mark[data-evidence-mark]")) {
    const parent = mark.parentNode;
    parent.replaceChild(document.createTextNode(mark.textContent), mark);
    parent.normalize();
  }
}

function characters(root) {
  // Every non-space character under root with its text node and offset.
  const chars = [];
  const nodes = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest(".document-meta, [data-pdf-status]")) continue;
    const text = node.data;
    for (let i = 0; i < text.length; i += 1) {
      if (!/\s/.test(text[i])) {
        chars.push(text[i].toLowerCase());
        nodes.push([node, i]);
      }
    }
  }
  return { text: chars.join(""), at: nodes };
}

function wrap(range, className) {
  const marks = [];
  const walker = document.createTreeWalker(range.commonAncestorContainer.nodeType === 3
    ? range.commonAncestorContainer.parentNode : range.commonAncestorContainer,
  NodeFilter.SHOW_TEXT);
  const inRange = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (range.intersectsNode(node)) inRange.push(node);
  }
  for (let node of inRange) {
    const start = node === range.startContainer ? range.startOffset : 0;
    const end = node === range.endContainer ? range.endOffset : node.data.length;
    if (end <= start) continue;
    if (start > 0) node = node.splitText(start);
    if (end - start < node.data.length) node.splitText(end - start);
    const mark = document.createElement("mark");
    mark.className = className;
    mark.dataset.evidenceMark = "";
    node.parentNode.replaceChild(mark, node);
    mark.appendChild(node);
    marks.push(mark);
  }
  return marks;
}

function highlightIn(section, quotes) {
  clearHighlights(section);
  const found = [];
  for (const quote of quotes) {
    const needle = quote.text.replace(/\s+/g, "").toLowerCase();
    if (needle.length < 3) continue;
    // An anchored quote is looked for in its own document and page only.
    if (quote.document && String(quote.document) !== section.dataset.document) continue;
    const root = quote.page
      ? section.querySelector(`.pdf-page[data-page="${quote.page}"]`) : section;
    if (!root) continue; // its page is not drawn (yet)
    // Recomputed per quote: wrapping splits text nodes.
    const index = characters(root);
    let from = 0;
    for (let at = index.text.indexOf(needle, from); at !== -1; at = index.text.indexOf(needle, from)) {
      const [startNode, startOffset] = index.at[at];
      const [endNode, endOffset] = index.at[at + needle.length - 1];
      const range = document.createRange();
      range.setStart(startNode, startOffset);
      range.setEnd(endNode, endOffset + 1);
      found.push(...wrap(range, quote.className));
      from = at + needle.length;
      break; // the first occurrence; a quote is rarely repeated word for word
    }
  }
  return found;
}

function squash(text) { return text.replace(/\s+/g, "").toLowerCase(); }

function applyHighlights() {
  if (!viewer) return;
  const sections = [...viewer.querySelectorAll("[data-document]")];
  let first = null;
  for (const section of sections) {
    const marks = highlightIn(section, wanted.quotes);
    if (marks.length && !first) first = { section, mark: marks[0] };
  }
  if (!wanted.scroll) return;
  // The quote scrolled to may be on a PDF page not drawn yet: draw that page first, then
  // its mark is scrolled to (this runs again once the page is drawn).
  const target = wanted.quotes.find((quote) => squash(quote.text).length >= 3);
  const targetMark = target && markOf(target);
  if (target && !targetMark && bringIntoView(target)) return;
  if (targetMark) first = { section: targetMark.closest("[data-document]"), mark: targetMark };
  if (first) {
    const tab = viewer.querySelector(`[role="tab"][aria-controls="${first.section.id}"]`);
    if (tab && first.section.hidden) showDocument(tab);
    first.mark.scrollIntoView({ block: "center", behavior: "smooth" });
    wanted.scroll = false; // once: pages drawn later must not pull the view back
  }
}

// The first mark of `quote`, if it is marked anywhere.
function markOf(quote) {
  const needle = squash(quote.text);
  return [...viewer.querySelectorAll(`mark[data-evidence-mark].${quote.className}`)]
    .find((mark) => needle.startsWith(squash(mark.textContent))) || null;
}

// Draw the page `quote` is on (its anchor's page, else the first page of a drawn PDF whose
// text holds it); true while that is on its way.
function bringIntoView(quote) {
  const request = wanted;
  if (request.pending) return true;
  const sections = quote.document
    ? [viewer.querySelector(`[data-document="${quote.document}"]`)].filter(Boolean)
    : [...viewer.querySelectorAll("[data-document]")];
  const withPdf = sections.map((section) => [section, section.querySelector("[data-pdf-src]")])
    .filter(([, container]) => container);
  if (!withPdf.length || request.searched) return false;
  const [section, container] = withPdf[0];
  if (quote.page && section.hidden) {
    const tab = viewer.querySelector(`[role="tab"][aria-controls="${section.id}"]`);
    if (tab) showDocument(tab); // drawn when shown; this runs again then
  }
  request.pending = true;
  (async () => {
    let view = null;
    let number = 0;
    if (quote.page) {
      view = views.get(container);
      number = view ? quote.page : 0;
    } else {
      for (const [, candidate] of withPdf) {
        view = views.get(candidate);
        number = view ? await view.find(squash(quote.text)) : 0;
        if (number) break;
      }
      request.searched = true;
    }
    const shown = number && (await view.show(number));
    request.pending = false;
    if (wanted !== request || !request.scroll) return;
    if (!shown) {
      // Not found in any PDF page (or the PDF is not drawn yet): the marks there are.
      if (view || !quote.page) applyHighlights();
      return;
    }
    if (!markOf(quote)) {  // drawn, yet its words were not found: go to the page at least
      view.box(number).scrollIntoView({ block: "start" });
      request.scroll = false;
    }
  })();
  return true;
}

document.addEventListener("documents:highlight", (event) => {
  wanted = { quotes: event.detail.quotes || [], scroll: Boolean(event.detail.scroll) };
  applyHighlights();
});
// A PDF's text arrives after the request: mark it once it is there.
document.addEventListener("pdf:rendered", () => applyHighlights());
// Scripts that ran before this module ask again now that someone listens.
document.dispatchEvent(new CustomEvent("documents:ready"));

// On the coding page: all of the coder's evidence is marked; focusing an attribute's evidence
// box scrolls to its quote (listed first, so its mark is the one scrolled to).
function anchorsOf(box) {
  const field = document.getElementById(box.id.replace(/__evidence$/, "__anchors"));
  try { return JSON.parse((field && field.value) || "[]"); } catch (e) { return []; }
}

function ownQuotes(first) {
  let boxes = [...document.querySelectorAll("textarea.evidence")];
  if (first) boxes = [first, ...boxes.filter((box) => box !== first)]; // its quotes once
  return boxes.flatMap((box) => {
    const anchors = anchorsOf(box);
    return box.value.split("\n").filter((line) => line.trim()).map((text) => {
      const squashed = text.replace(/\s+/g, "").toLowerCase();
      const anchor = anchors.find((a) => a.exact.replace(/\s+/g, "").toLowerCase() === squashed);
      return { text, className: "hl-own", document: anchor?.document, page: anchor?.page };
    });
  });
}

const evidenceBoxes = document.querySelectorAll("textarea.evidence");
if (viewer && evidenceBoxes.length) {
  for (const box of evidenceBoxes) {
    box.addEventListener("focus", () => {
      document.dispatchEvent(new CustomEvent("documents:highlight",
        { detail: { quotes: ownQuotes(box), scroll: Boolean(box.value.trim()) } }));
    });
    box.addEventListener("change", () => {
      document.dispatchEvent(new CustomEvent("documents:highlight",
        { detail: { quotes: ownQuotes(), scroll: false } }));
    });
  }
  wanted = { quotes: ownQuotes(), scroll: false };
  applyHighlights();
}

// --- anchors: where a selected quote is ----------------------------------------------------
// The last selection in a document, as W3C Web Annotation selectors (TextQuoteSelector:
// exact, prefix, suffix; TextPositionSelector: start, end in the page's text for a PDF, the
// document's text otherwise). The coding form asks for it when a quote is taken as evidence.

let lastAnchor = null;

// The text of a range as the document reads: pdf.js ends each line of its text layer with a
// <br>, which a range's toString() skips ("for more" + "regular contact"); it reads as a space.
// Offsets (start, end) count in this text. The coding form takes quotes through it too.
function textOf(range) {
  const fragment = range.cloneContents();
  for (const br of fragment.querySelectorAll("br")) br.replaceWith(" ");
  return fragment.textContent;
}

function anchorOf(selected) {
  const start = selected.startContainer;
  const element = start.nodeType === Node.TEXT_NODE ? start.parentElement : start;
  const section = element && element.closest("[data-document]");
  if (!section) return null;
  const page = element.closest(".pdf-page");
  const root = page ? page.querySelector(".textLayer") : section.querySelector(".text-document");
  if (!root || !root.contains(start)) return null;
  // A triple click reaches past the page: keep the part inside it.
  const range = selected.cloneRange();
  const inside = document.createRange();
  inside.selectNodeContents(root);
  if (range.compareBoundaryPoints(Range.END_TO_END, inside) > 0) {
    range.setEnd(inside.endContainer, inside.endOffset);
  }
  const before = document.createRange();
  before.setStart(root, 0);
  before.setEnd(range.startContainer, range.startOffset);
  const whole = document.createRange();
  whole.selectNodeContents(root);
  const text = textOf(whole);
  const from = textOf(before).length;
  const exact = textOf(range);
  const to = from + exact.length;
  if (!exact.trim()) return null;
  return {
    document: Number(section.dataset.document),
    page: page ? Number(page.dataset.page) : null,
    exact: exact.trim(),
    prefix: text.slice(Math.max(0, from - 32), from),
    suffix: text.slice(to, to + 32),
    start: from,
    end: to,
  };
}

document.addEventListener("selectionchange", () => {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return;
  const range = selection.getRangeAt(0);
  const caseText = document.getElementById("case-text");
  if (!caseText || !range.intersectsNode(caseText)) return;
  lastAnchor = anchorOf(range);
});

window.caseDocuments = { lastAnchor: () => lastAnchor, textOf };
