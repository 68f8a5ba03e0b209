// Progressive enhancement only: every page works without this file.
// Moves focus to the error summary after a failed form submission so that
// screen-reader and keyboard users land on the list of problems.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
