// Sale registration at the counter.
// - A barcode scanner types the serial and presses Enter: Enter in the serial field looks the piece
//   up instead of submitting the whole form.
// - The camera button scans the QR code of the piece (html5-qrcode); a QR holding the public page URL
//   (…/i/<code>) gives its code.
// - The gift fields show only when "This is a gift" is ticked.
(function () {
  "use strict";

  // One look-up per distinct value, whether it comes from Enter, leaving the field or the camera.
  function lookup(input) {
    const value = input.value.trim();
    if (!window.htmx || !value || input.dataset.lookedUp === value) return;
    input.dataset.lookedUp = value;
    window.htmx.trigger(input, "lookup");
  }

  function codeFromScan(text) {
    const value = (text || "").trim();
    const match = value.match(/\/i\/([^/?#]+)/);
    return match ? decodeURIComponent(match[1]) : value;
  }

  function setupSerial() {
    const input = document.getElementById("id_item_query");
    if (!input) return;
    input.addEventListener("change", () => lookup(input));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        lookup(input);
        const next = document.getElementById("id_email");
        if (next && input.value.trim()) next.focus();
      }
    });
  }

  function setupScanner() {
    const button = document.querySelector("[data-scan-target]");
    if (!button || typeof window.Html5Qrcode === "undefined") return;
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return;
    button.hidden = false;
    let scanner = null;
    const reader = document.getElementById(button.dataset.scanReader);
    const input = document.getElementById(button.dataset.scanTarget);
    const stop = () => {
      if (!scanner) return Promise.resolve();
      const current = scanner;
      scanner = null;
      return current.stop().catch(() => {}).then(() => { reader.hidden = true; });
    };
    button.addEventListener("click", () => {
      if (scanner) { stop(); return; }
      reader.hidden = false;
      scanner = new window.Html5Qrcode(reader.id);
      scanner.start(
        { facingMode: "environment" },
        { fps: 10, qrbox: { width: 220, height: 220 } },
        (text) => {
          input.value = codeFromScan(text);
          stop().then(() => lookup(input));
        },
        () => {}
      ).catch(() => { reader.hidden = true; scanner = null; });
    });
  }

  function setupGift() {
    const box = document.getElementById("id_is_gift");
    const fields = document.querySelector("[data-gift-fields]");
    if (!box || !fields) return;
    const sync = () => { fields.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  }

  // The piece found proposes its public price (data-price on .found): the price field takes it while the
  // associate has not typed one, and stays editable.
  function setupPrice() {
    const price = document.getElementById("id_price_paid");
    const currency = document.getElementById("id_currency");
    if (!price) return;
    price.addEventListener("input", () => { delete price.dataset.prefilled; });
    const apply = () => {
      const found = document.querySelector("#item-found [data-price]");
      if (!found) return;
      if (price.value === "" || price.dataset.prefilled === "1") {
        price.value = found.dataset.price;
        price.dataset.prefilled = "1";
        if (currency && found.dataset.currency) currency.value = found.dataset.currency;
      }
    };
    document.addEventListener("htmx:afterSwap", (event) => { if (event.target.id === "item-found") apply(); });
    apply();
  }
  function init() { setupSerial(); setupScanner(); setupGift(); setupPrice(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
