// The call-back form works without this file. With it, a second press of the button while the
// first submission is on its way cannot send the request twice.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.callback-form");
  if (!form) {
    return;
  }
  const button = form.querySelector("button[type=submit]");
  const label = button.textContent;

  form.addEventListener("submit", () => {
    // Disabling the button inside the submit event does not cancel this submission.
    button.disabled = true;
    button.textContent = button.dataset.sendingLabel;
  });

  // Coming back with the browser's Back button restores the page from memory: make the button
  // usable again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      button.disabled = false;
      button.textContent = label;
    }
  });
});
