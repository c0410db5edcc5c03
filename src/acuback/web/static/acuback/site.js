// acuback's few behaviours, kept out of the pages so the Content-Security-Policy can forbid
// every inline script. Each one is optional: without scripts the pages still work.
(function () {
  "use strict";

  // Travel time and the address matter only for a home visit: show those fields only when a
  // home-visit type is chosen. The box lists the home-visit types in data-types.
  function homeVisitFields() {
    var select = document.getElementById("id_type");
    var box = document.querySelector("[data-home-visit-types]");
    if (!select || !box) { return; }
    var types = box.dataset.homeVisitTypes.split(" ");
    function toggle() { box.hidden = types.indexOf(select.value) < 0; }
    select.addEventListener("change", toggle);
    toggle();
  }

  // A "Print" button prints the page.
  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // htmx swaps no 4xx answer by default; where a refusal (400) brings its message as
  // content (data-swap-refusal), it is swapped in like any answer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.hasAttribute("data-swap-refusal")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function ready() { homeVisitFields(); printButtons(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
