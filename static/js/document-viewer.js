// The case's documents beside the coding form: tabs between documents, PDFs drawn with
// pdf.js (vendored in static/vendor/pdfjs/) with a text layer so passages can be selected
// as evidence, a resizable split, and on phones a switch between the document and the form.
// Loaded as a module; every URL comes from data attributes (the CSP allows no inline script).

const viewer = document.querySelector("[data-document-viewer]");
const layout = document.querySelector("[data-split-layout]");
let pdfjsLib = null; // imported on first use

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
    renderPdf(container).catch((error) => {
      const status = container.querySelector("[data-pdf-status]");
      status.textContent = "The PDF could not be shown here (" + error.message + "). Use “Open” above.";
      status.classList.add("error");
    });
  }
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
  const status = container.querySelector("[data-pdf-status]");
  const zoom = Number(container.dataset.zoom || "1");
  const width = container.clientWidth * zoom;
  for (const old of container.querySelectorAll(".pdf-page")) old.remove();
  // A newer drawing (zoom pressed again) makes this one stop.
  const drawing = (Number(container.dataset.drawing || "0") + 1).toString();
  container.dataset.drawing = drawing;
  for (let number = 1; number <= pdf.numPages; number += 1) {
    const page = await pdf.getPage(number);
    if (container.dataset.drawing !== drawing) return;
    const natural = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: width / natural.width });
    const pageBox = document.createElement("div");
    pageBox.className = "pdf-page";
    pageBox.dataset.page = String(number);
    pageBox.setAttribute("role", "region");
    pageBox.setAttribute("aria-label", `Page ${number} of ${pdf.numPages}`);
    pageBox.style.setProperty("--total-scale-factor", String(viewport.scale));
    pageBox.style.width = `${viewport.width}px`;
    pageBox.style.height = `${viewport.height}px`;
    const canvas = document.createElement("canvas");
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.setAttribute("aria-hidden", "true");
    const textLayer = document.createElement("div");
    textLayer.className = "textLayer";
    pageBox.append(canvas, textLayer);
    container.append(pageBox);
    await page.render({
      canvas,
      canvasContext: canvas.getContext("2d"),
      viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
    }).promise;
    await new lib.TextLayer({
      textContentSource: page.streamTextContent(),
      container: textLayer,
      viewport,
    }).render();
  }
  status.textContent = `${pdf.numPages} page${pdf.numPages === 1 ? "" : "s"}`;
  status.classList.add("visually-hidden");
  container.dispatchEvent(new CustomEvent("pdf:rendered", { bubbles: true }));
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
    if (label) label.textContent = `${Math.round(next * 100)} %`;
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

function applyHighlights() {
  if (!viewer) return;
  const sections = [...viewer.querySelectorAll("[data-document]")];
  let first = null;
  for (const section of sections) {
    const marks = highlightIn(section, wanted.quotes);
    if (marks.length && !first) first = { section, mark: marks[0] };
  }
  if (first && wanted.scroll) {
    const tab = viewer.querySelector(`[role="tab"][aria-controls="${first.section.id}"]`);
    if (tab && first.section.hidden) showDocument(tab);
    first.mark.scrollIntoView({ block: "center", behavior: "smooth" });
  }
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
  const boxes = [...document.querySelectorAll("textarea.evidence")];
  if (first) boxes.unshift(first);
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
  const text = root.textContent;
  const from = before.toString().length;
  const exact = range.toString();
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

window.caseDocuments = { lastAnchor: () => lastAnchor };
