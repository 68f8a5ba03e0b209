// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // After a failed form submission, move focus to the error summary so that
  // screen-reader and keyboard users land on the list of problems.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  // Place suggestions while typing: the field stays a plain text input that
  // submits as before; a datalist offers "53840 Troisdorf" style entries,
  // which the server understands exactly.
  var inputs = document.querySelectorAll("input[data-places]");
  Array.prototype.forEach.call(inputs, function (input) {
    if (!window.fetch) {
      return;
    }
    var list = document.createElement("datalist");
    list.id = input.id + "-suggestions";
    input.parentNode.appendChild(list);
    input.setAttribute("list", list.id);
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) {
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch(input.getAttribute("data-places") + "?limit=8&q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" }
        }).then(function (r) {
          return r.ok ? r.json() : { places: [] };
        }).then(function (data) {
          while (list.firstChild) {
            list.removeChild(list.firstChild);
          }
          data.places.forEach(function (p) {
            var o = document.createElement("option");
            o.value = p.isKreis || !p.postcodes.length ? p.name : p.postcodes[0] + " " + p.name;
            if (p.kreis && !p.isKreis) {
              o.label = o.value + " – " + p.kreis.name;
            }
            list.appendChild(o);
          });
        }).catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  });
})();

// The form that carries a SAML request to BundID (or the answer back) is
// sent at once; without JavaScript the person presses its button.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
})();
