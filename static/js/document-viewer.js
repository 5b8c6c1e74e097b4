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

async function renderPdf(container) {
  const lib = await pdfjs();
  const pdf = await lib.getDocument({
    url: container.dataset.pdfSrc,
    withCredentials: true,
    standardFontDataUrl: viewer.dataset.standardFonts,
    enableXfa: false,
  }).promise;
  const status = container.querySelector("[data-pdf-status]");
  const width = container.clientWidth;
  for (let number = 1; number <= pdf.numPages; number += 1) {
    const page = await pdf.getPage(number);
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
