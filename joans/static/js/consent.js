// Applies a cookie choice without leaving the page. Without this script the same forms post
// and the server redirects back, so everything here is an enhancement.
(function () {
  "use strict";

  function showSaved(banner, message) {
    var container = document.createElement("div");
    var note = document.createElement("p");
    container.className = "container";
    note.className = "consent-saved";
    note.setAttribute("role", "status");
    note.tabIndex = -1;
    note.textContent = message;
    container.appendChild(note);
    banner.replaceChildren(container);
    // The button that had focus is gone; keep keyboard users where they were.
    note.focus();
  }

  function apply(form, answer) {
    var banner = form.closest("[data-consent-banner]");
    if (answer.choice === "accepted" || !banner) {
      // A page's CSP is fixed when it loads and names Google only after consent, so GA can
      // start only in a fresh response; the cookie page also shows the new choice that way.
      window.location.reload();
      return;
    }
    showSaved(banner, answer.message);
  }

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var buttons = document.querySelectorAll("[data-consent-form] button");
      buttons.forEach(function (button) { button.disabled = true; });
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("consent answer " + response.status);
          }
          return response.json();
        })
        .then(function (answer) { apply(form, answer); })
        .catch(function () {
          // Let the browser post the form itself and show whatever the server answers.
          buttons.forEach(function (button) { button.disabled = false; });
          form.submit();
        });
    });
  }

  document.querySelectorAll("[data-consent-form]").forEach(enhance);
})();
