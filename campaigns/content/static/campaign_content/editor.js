// The template editor: a problem of the live preview ("Line 3: …") takes the caret to that line of its
// field. No inline script (CSP); works with the keyboard (the problems are buttons).
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-goto-field]");
    if (!button) return;
    const field = document.getElementById(button.dataset.gotoField);
    if (!field) return;
    const line = Math.max(1, parseInt(button.dataset.gotoLine, 10) || 1);
    const lines = field.value.split("\n");
    let start = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i += 1) start += lines[i].length + 1;
    const end = start + (lines[line - 1] || "").length;
    field.focus();
    if (field.setSelectionRange) field.setSelectionRange(start, end);
    if (field.tagName === "TEXTAREA") {
      const height = field.scrollHeight / Math.max(1, lines.length);
      field.scrollTop = Math.max(0, (line - 3) * height);
    }
  });
})();
