// Warranty card page: the Print button (no inline handlers under the Content-Security-Policy).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) { event.preventDefault(); window.print(); }
});
