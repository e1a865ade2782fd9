// Small behaviours shared by every page. No inline scripts: the Content-Security-Policy forbids them.
// - double-submit guard on forms;
// - the collapsible main menu on tablets and phones (button.menu-toggle controls nav#mainnav);
// - header dropdowns (<details class="dropdown">) close on Escape and on a click elsewhere.
// Everything also works without JavaScript: the menu then stays unfolded and dropdowns stay open until
// their summary is clicked again.
(function () {
  "use strict";
  const root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  const HTMX_FORM = "[hx-post],[hx-get],[hx-put],[hx-patch],[hx-delete],[data-hx-post],[data-hx-get]";
  document.addEventListener("submit", (event) => {
    // A form submitted once cannot be submitted again while its request runs (double-click safe).
    const form = event.target;
    if (form.dataset.submitting === "1") { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("submit", (event) => {
    // Marked busy once the submission really goes ahead; htmx forms are released when their request
    // ends; forms with data-allow-resubmit are never guarded.
    const form = event.target;
    if (form.hasAttribute("data-allow-resubmit")) return;
    if (event.defaultPrevented && !form.matches(HTMX_FORM)) return;
    form.dataset.submitting = "1";
    form.querySelectorAll("button[type=submit]").forEach((b) => b.setAttribute("aria-busy", "true"));
    setTimeout(() => release(form), 8000);
  });
  function release(form) {
    delete form.dataset.submitting;
    form.querySelectorAll("button[aria-busy]").forEach((b) => b.removeAttribute("aria-busy"));
  }
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.target.closest && event.target.closest("form");
    if (form) release(form);
  });
  // A thin bar at the top of the page while an htmx request runs (html.is-loading, see app.css).
  let pending = 0;
  document.addEventListener("htmx:beforeRequest", () => { pending += 1; root.classList.add("is-loading"); });
  document.addEventListener("htmx:afterRequest", () => {
    pending = Math.max(0, pending - 1);
    if (pending === 0) root.classList.remove("is-loading");
  });
  // Pages restored from the back/forward cache must be submittable again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-submitting]").forEach(release);
  });

  // Tables become cards on a phone (see app.css, "Tables as cards"): each cell carries its column's
  // heading in data-label, which the phone layout shows before the value.
  function labelCells(scope) {
    (scope || document).querySelectorAll(".table-wrap > table").forEach((table) => {
      const headings = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
      if (!headings.length) return;
      table.classList.add("cards-on-phone");
      // Explicit roles: a table laid out as blocks keeps its table semantics for assistive technology.
      table.setAttribute("role", "table");
      table.querySelectorAll("thead, tbody, tfoot").forEach((group) => group.setAttribute("role", "rowgroup"));
      table.querySelectorAll("tr").forEach((tr) => tr.setAttribute("role", "row"));
      table.querySelectorAll("thead th").forEach((th) => th.setAttribute("role", "columnheader"));
      table.querySelectorAll("tbody tr").forEach((tr) => {
        let column = 0;
        Array.from(tr.children).forEach((cell) => {
          if (!cell.hasAttribute("role")) cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
          if (!cell.hasAttribute("data-label") && headings[column]) cell.setAttribute("data-label", headings[column]);
          column += cell.colSpan || 1;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", () => labelCells());
  document.addEventListener("htmx:afterSwap", (event) => labelCells(event.target.parentNode || document));

  function setupMenu() {
    const toggle = document.querySelector(".menu-toggle");
    const nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!toggle || !nav) return;
    toggle.hidden = false;
    const setOpen = (open) => {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    };
    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && nav.classList.contains("open")) { setOpen(false); toggle.focus(); }
    });
  }

  function setupDropdowns() {
    const dropdowns = () => document.querySelectorAll("details.dropdown[open]");
    document.addEventListener("click", (event) => {
      dropdowns().forEach((d) => { if (!d.contains(event.target)) d.open = false; });
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      dropdowns().forEach((d) => { d.open = false; const s = d.querySelector("summary"); if (s) s.focus(); });
    });
    // Opening one dropdown closes the others.
    document.querySelectorAll("details.dropdown").forEach((d) => {
      d.addEventListener("toggle", () => {
        if (d.open) document.querySelectorAll("details.dropdown[open]").forEach((o) => { if (o !== d) o.open = false; });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => { setupMenu(); setupDropdowns(); });
  } else { setupMenu(); setupDropdowns(); }
})();
