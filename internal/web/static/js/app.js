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

// Application assistant: when an answer changes, the server evaluates the
// chapter's conditions again and sends the chapter's fields back, which
// replace the old ones in place. The rules live only on the server; this
// script only carries the form there and back. Without it, the buttons
// "Aktualisieren" and "Weiter" do the same with a page load.
//
// Only answers the person changed since the server last saw the page are
// sent (teilweise=1, nur=<name> for each): an answer the script does not
// name stays as the server holds it, so an old copy of the page can never
// blank what was saved.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live]");
  var box = document.getElementById("chapter-fields");
  if (!form || !box || !window.fetch || !window.FormData || !window.URLSearchParams) {
    return;
  }
  document.documentElement.classList.add("js");
  // A chapter restored from the back-forward cache shows what was on the
  // screen then, not what the server holds now: load it again.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      window.location.reload();
    }
  });
  var pending = null;
  var queued = false;
  var notAnswers = { csrf_token: true, offen: true, aktion: true };

  // state is every answer of the fields in root: name → values.
  function state(root) {
    var m = {};
    Array.prototype.forEach.call(root.querySelectorAll("input[name],select[name],textarea[name]"), function (el) {
      if (el.type === "file" || el.type === "submit" || el.type === "button" || el.disabled) {
        return;
      }
      if (!(el.name in m)) {
        m[el.name] = [];
      }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) {
        return;
      }
      m[el.name].push(el.value);
    });
    return m;
  }

  function same(a, b) {
    return (a || []).join("\n") === (b || []).join("\n");
  }

  // synced is what the server holds as far as this page knows.
  var synced = state(form);

  function update() {
    if (pending) {
      queued = true;
      return;
    }
    var now = state(form);
    var data = new URLSearchParams();
    Object.keys(now).forEach(function (k) {
      if (k === "csrf_token" || k === "offen") {
        now[k].forEach(function (v) { data.append(k, v); });
      } else if (!notAnswers[k] && !same(now[k], synced[k])) {
        data.append("nur", k);
        now[k].forEach(function (v) { data.append(k, v); });
      }
    });
    data.set("aktion", "aktualisieren");
    data.set("teilweise", "1");
    box.setAttribute("aria-busy", "true");
    pending = fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Fragment": "1" },
      body: data.toString()
    }).then(function (r) {
      if (!r.ok) {
        throw new Error("status " + r.status);
      }
      document.dispatchEvent(new CustomEvent("sp-server-contact")); // the session was touched
      return r.text();
    }).then(function (html) {
      var active = document.activeElement && box.contains(document.activeElement) ? document.activeElement : null;
      var focused = active ? active.id : "";
      // Where the caret stood: the field that replaces this one gets it
      // back, or the next letter typed would land before the others.
      var caret = null;
      try {
        if (active && typeof active.selectionStart === "number") {
          caret = [active.selectionStart, active.selectionEnd];
        }
      } catch (err) {
        caret = null; // inputs without a text selection (radio, date)
      }
      var next = document.createElement("div");
      next.innerHTML = html;
      var server = state(next);
      // What the person typed or chose while the request was under way is
      // kept: every field whose state differs from what was sent.
      Array.prototype.forEach.call(box.querySelectorAll("input[name],select[name],textarea[name]"), function (old) {
        var sel = "[name=\"" + old.name.replace(/["\\]/g, "") + "\"]";
        if (old.type === "radio" || old.type === "checkbox") {
          var was = (now[old.name] || []).indexOf(old.value) >= 0;
          if (old.checked !== was) {
            var twin = next.querySelector(sel + "[value=\"" + old.value.replace(/["\\]/g, "") + "\"]");
            if (twin) {
              twin.checked = old.checked;
            }
          }
          return;
        }
        if (old.type === "hidden" || old.value === ((now[old.name] || [])[0] || "")) {
          return;
        }
        var fresh = next.querySelector(sel);
        if (fresh) {
          fresh.value = old.value;
        }
      });
      box.replaceChildren.apply(box, Array.prototype.slice.call(next.childNodes));
      // Fields outside the replaced part (none today) keep their state.
      Object.keys(server).forEach(function (k) { synced[k] = server[k]; });
      if (focused) {
        var el = document.getElementById(focused);
        if (el) {
          el.focus();
          if (caret) {
            try {
              el.setSelectionRange(caret[0], caret[1]);
            } catch (err) {
              /* not a text field any more */
            }
          }
        }
      }
    }).catch(function () {
      /* the buttons still work */
    }).then(function () {
      box.removeAttribute("aria-busy");
      pending = null;
      if (queued) {
        queued = false;
        update();
      }
    });
  }

  // Only answers that other fields depend on (marked data-live by the
  // server) ask for the chapter again; typing elsewhere is left alone (and
  // goes with the next update or the buttons).
  form.addEventListener("change", function (e) {
    // The form itself carries data-live too: only a field's own mark counts.
    var live = e.target && e.target.type !== "file" && e.target.closest("[data-live]");
    if (live && live !== form) {
      update();
    }
  });
})();

// A file chosen but not yet uploaded is not lost without a word: the
// chapter form's buttons other than "Hochladen" stop and say that
// "Hochladen" sends it (without a script every button uploads it).
(function () {
  "use strict";
  var form = document.getElementById("chapter-form");
  if (!form) {
    return;
  }
  form.addEventListener("submit", function (e) {
    var chosen = Array.prototype.filter.call(document.querySelectorAll("input[type=file][data-unsent]"), function (el) {
      return el.files && el.files.length > 0;
    });
    // "Hochladen" sends them (and so, without a script, does every button).
    if (chosen.length === 0 || (e.submitter && (e.submitter.value === "aktualisieren" || e.submitter.value.indexOf("hochladen:") === 0))) {
      return;
    }
    e.preventDefault();
    chosen.forEach(function (input) {
      var id = input.id + "-unsent";
      if (!document.getElementById(id)) {
        var p = document.createElement("p");
        p.className = "kern-error";
        p.id = id;
        p.setAttribute("role", "alert");
        var span = document.createElement("span");
        span.className = "kern-body";
        span.textContent = input.getAttribute("data-unsent");
        p.appendChild(span);
        input.parentNode.insertBefore(p, input);
        input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + id).trim());
      }
    });
    chosen[0].focus();
  });
})();

// Staying signed in (WCAG 2.2.1): a signed-in session ends after some
// minutes without a request (data-session-idle, seconds). Some minutes
// before (data-session-warn) a polite message offers to stay signed in; the
// button posts the form's token to an address that touches the session.
// Without a script the page says how long the session lasts.
(function () {
  var box = document.querySelector("[data-session-idle]");
  if (!box || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var idle = parseInt(box.getAttribute("data-session-idle"), 10) * 1000;
  var warn = parseInt(box.getAttribute("data-session-warn"), 10) * 1000;
  var live = box.querySelector("[data-session-live]");
  var form = box.querySelector("form[data-session-extend]");
  var link = box.querySelector("[data-session-ended-link]");
  var timers = [];
  function say(key) {
    live.textContent = box.getAttribute(key);
  }
  function ended() {
    form.hidden = true;
    say("data-session-ended");
    link.hidden = false;
  }
  function schedule() {
    timers.forEach(clearTimeout);
    timers = [
      setTimeout(function () { say("data-session-warning"); form.hidden = false; }, Math.max(0, idle - warn)),
      setTimeout(ended, idle)
    ];
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "fetch" },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (r) {
      if (r.status === 204) {
        form.hidden = true;
        say("data-session-extended");
        schedule();
      } else {
        ended();
      }
    }).catch(function () {
      /* the next page says how things stand */
    });
  });
  document.addEventListener("sp-server-contact", schedule);
  schedule();
})();
