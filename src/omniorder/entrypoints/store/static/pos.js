// Omniorder POS: small enhancements; every page works without them.
(function () {
  "use strict";

  function clickAction(form, value) {
    var button = form.querySelector('button[name="action"][value="' + value + '"]');
    if (button) { button.click(); return true; }
    return false;
  }

  // Enter in a search field runs its search instead of the form's default action.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.dataset && target.dataset.enter && target.form) {
      event.preventDefault();
      clickAction(target.form, target.dataset.enter);
      return;
    }
    // Function keys: F2 customer search, F4 product search, F8 totals, F9 create.
    if (/^F\d+$/.test(event.key)) {
      var element = document.querySelector('[data-key="' + event.key + '"]');
      if (!element) { return; }
      event.preventDefault();
      if (element.tagName === "BUTTON") { element.click(); } else { element.focus(); element.select && element.select(); }
    }
  });

  // One submit per form: a second click while the first is on its way does nothing.
  // (The order id in the form makes a repeated create harmless anyway.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) { return; }
    if (form.hasAttribute("data-sending")) { event.preventDefault(); return; }
    form.setAttribute("data-sending", "");
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      form.removeAttribute("data-sending");
    });
  });

  // Amounts as integers of minor units, so the change is exact; shown by the browser's
  // Intl.NumberFormat in the locale and currency the server names on the output element
  // (web.py, money_format_attributes), never with a symbol written here.
  function minorUnits(text, digits) {
    var match = /^\s*(\d+)(?:[.,](\d*))?\s*$/.exec(text || "");
    if (!match || (match[2] || "").length > digits) { return null; }
    var fraction = ((match[2] || "") + "0".repeat(digits)).slice(0, digits);
    return parseInt(match[1] + fraction, 10);
  }
  function showChange() {
    var out = document.querySelector("[data-change]");
    var pay = document.querySelector("[data-pay-amount]");
    var cash = document.querySelector("[data-cash-tendered]");
    if (!out || !pay || !cash || !out.dataset.currency) { return; }
    var digits = parseInt(out.dataset.minorUnits, 10);
    var a = minorUnits(pay.value, digits), b = minorUnits(cash.value, digits);
    if (a === null || b === null || b < a) { out.textContent = "–"; return; }
    var format = new Intl.NumberFormat(out.dataset.locale, { style: "currency", currency: out.dataset.currency });
    out.textContent = format.format((b - a) / Math.pow(10, digits));
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-pay-amount], [data-cash-tendered]")) { showChange(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-back]");
    if (!target) { return; }
    if (target.hasAttribute("data-print")) { window.print(); }
    if (target.hasAttribute("data-back") && history.length > 1) { event.preventDefault(); history.back(); }
  });

  // Fields to copy from (a new store token): focusing one selects all of it.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });

  // After an error, put the cursor in the first field that needs attention.
  function focusFirstError() {
    var first = document.querySelector('main [aria-invalid="true"]');
    if (first) { first.focus(); return true; }
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); return true; }
    return false;
  }
  document.addEventListener("DOMContentLoaded", focusFirstError);

  // A form posted in place by htmx: the new content is in; focus as a page load would.
  document.addEventListener("htmx:afterSettle", function () {
    if (focusFirstError()) { return; }
    var auto = document.querySelector("main [autofocus]");
    if (auto) { auto.focus(); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (form) { form.removeAttribute("data-sending"); }
  });

  // A line's date follows its fulfilment while the associate has not typed one of their own.
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches('.line input[type="radio"]')) { return; }
    var date = radio.closest(".line").querySelector("[data-suggested-ship]");
    if (!date) { return; }
    var kind = radio.value.split("@")[0];
    var suggested = { ship: date.dataset.suggestedShip, pickup: date.dataset.suggestedPickup };
    var untouched = !date.value || date.value === suggested.ship || date.value === suggested.pickup;
    if (untouched && suggested[kind]) { date.value = suggested[kind]; }
  });
})();
