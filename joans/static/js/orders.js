// The order form works without this file. With it, a second press of a button while the first
// post is on its way is ignored, so an impatient double click sends the step once.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.order-form")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      // The pressed button is not disabled: a disabled button's name and value would not be
      // sent, and the server reads which button it was.
      form.dataset.sending = "true";
      form.setAttribute("aria-busy", "true");
      const button = event.submitter;
      if (button && button.dataset.sendingLabel) {
        button.dataset.label = button.textContent;
        button.textContent = button.dataset.sendingLabel;
      }
    });
  }

  // Coming back with the Back button restores the page from memory: make it usable again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      for (const form of document.querySelectorAll("form.order-form")) {
        delete form.dataset.sending;
        form.removeAttribute("aria-busy");
        for (const button of form.querySelectorAll("button[data-label]")) {
          button.textContent = button.dataset.label;
        }
      }
    }
  });
});
