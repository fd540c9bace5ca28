// The API connection page: show the settings of the chosen way in (service app or API
// token) and hide the other's. Without JS both stay visible; the server reads the choice.
(function () {
  "use strict";
  var choices = document.querySelectorAll("[data-auth-choice]");
  if (!choices.length) { return; }
  function show() {
    var chosen = document.querySelector("[data-auth-choice]:checked");
    var value = chosen ? chosen.value : "";
    document.querySelectorAll("[data-auth]").forEach(function (section) {
      section.hidden = section.getAttribute("data-auth") !== value;
    });
  }
  choices.forEach(function (choice) { choice.addEventListener("change", show); });
  show();
})();
