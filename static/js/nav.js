// The account menu in the header (a <details>): close it on Escape or a click elsewhere.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.nav-account[open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.nav-account[open]")) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
