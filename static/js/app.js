// Small behaviours shared by every page. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("submit", (event) => {
  // A form submitted once cannot be submitted again while its request runs (double-click safe).
  const form = event.target;
  if (form.dataset.submitting === "1") { event.preventDefault(); return; }
  form.dataset.submitting = "1";
  form.querySelectorAll("button[type=submit]").forEach((b) => b.setAttribute("aria-busy", "true"));
  setTimeout(() => { delete form.dataset.submitting; }, 8000);
});
