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

  // Amounts as integer cents, so the change shown is exact.
  function cents(text) {
    var match = /^\s*(\d+)(?:[.,](\d{0,2}))?\s*$/.exec(text || "");
    if (!match) { return null; }
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }
  function showChange() {
    var out = document.querySelector("[data-change]");
    var pay = document.querySelector("[data-pay-amount]");
    var cash = document.querySelector("[data-cash-tendered]");
    if (!out || !pay || !cash) { return; }
    var a = cents(pay.value), b = cents(cash.value);
    if (a === null || b === null || b < a) { out.textContent = "–"; return; }
    var c = b - a;
    out.textContent = "$" + Math.floor(c / 100).toLocaleString("en-US") + "." + String(c % 100).padStart(2, "0");
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
  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector('main [aria-invalid="true"]');
    if (first) { first.focus(); return; }
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });
})();
