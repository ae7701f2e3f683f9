/// `/assets/console.js`: keeps a page live without reloading, and times relative.
///
/// A page with `data-events` on its body follows that Server-Sent Events URL. On each event the
/// script fetches the same page again (same origin, same credentials) and swaps the new `main`
/// content in (not while a field of the page is being edited); the server renders (and escapes)
/// everything, so the script never builds markup from data. It also refreshes the relative part of
/// every `<time>` each 15 s. No inline script: the CSP allows scripts from the console only.
enum ConsoleScript {
    static let text = #"""
    "use strict";
    (function () {
      function relative(iso) {
        var delta = Math.round((Date.now() - Date.parse(iso)) / 1000);
        var m = Math.abs(delta), t;
        if (m < 2) return "just now";
        if (m < 60) t = m + " s"; else if (m < 3600) t = Math.floor(m / 60) + " min";
        else if (m < 86400) t = Math.floor(m / 3600) + " h"; else t = Math.floor(m / 86400) + " d";
        return delta >= 0 ? t + " ago" : "in " + t;
      }
      function refreshTimes(root) {
        root.querySelectorAll("time[datetime] .rel").forEach(function (el) {
          el.textContent = "(" + relative(el.parentElement.getAttribute("datetime")) + ")";
        });
      }
      function setStatus(text) {
        var el = document.getElementById("live-status");
        if (el) el.textContent = text;
      }
      var pending = null, fetching = false, again = false;
      function editing() {
        var el = document.activeElement;
        return el && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.closest("main");
      }
      function swap() {
        if (fetching) { again = true; return; }
        // Never swap a form out from under someone typing in it: try again once they leave the field.
        if (editing()) { setStatus("Live: changes waiting (you are editing)"); pending = setTimeout(function () { pending = null; swap(); }, 2000); return; }
        fetching = true;
        fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
          .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
          .then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.getElementById("main"), current = document.getElementById("main");
            if (!fresh || !current) return;
            var focusedId = document.activeElement && document.activeElement.id;
            var status = document.getElementById("live-status");
            var keep = status ? status.textContent : "";
            current.replaceChildren.apply(current, Array.prototype.slice.call(fresh.childNodes));
            refreshTimes(current);
            setStatus(keep);
            if (focusedId) { var f = document.getElementById(focusedId); if (f) f.focus(); }
            document.body.setAttribute("data-updated", String(Date.now()));
          })
          .catch(function (e) { setStatus("Live updates: could not refresh (" + e.message + ")"); })
          .finally(function () { fetching = false; if (again) { again = false; schedule(); } });
      }
      function schedule() {
        if (pending) return;
        pending = setTimeout(function () { pending = null; swap(); }, 200);
      }
      function follow(url) {
        if (!window.EventSource) { setStatus("Live updates need a browser with EventSource"); return; }
        var source = new EventSource(url), first = true;
        function changed(name) {
          return function (e) {
            var when = new Date().toLocaleTimeString();
            setStatus("Live: updated " + when);
            var data = {};
            try { data = JSON.parse(e.data || "{}"); } catch (err) { data = {}; }
            var shown = document.getElementById("run-version");
            // The first message is the state the page was rendered from, unless the run moved since.
            var stale = name === "run" ? !(shown && String(data.version) === shown.textContent) : !first;
            first = false;
            if (stale || name === "end") schedule();
            if (name === "end") { source.close(); setStatus("Live: finished, updated " + when); }
          };
        }
        ["run", "migration", "fleet", "end"].forEach(function (name) { source.addEventListener(name, changed(name)); });
        source.addEventListener("error", function () {
          if (source.readyState === EventSource.CLOSED) setStatus("Live updates stopped; reload to resume");
          else setStatus("Live updates: reconnecting…");
        });
        source.onopen = function () { setStatus("Live: connected"); };
      }
      document.addEventListener("DOMContentLoaded", function () {
        refreshTimes(document);
        setInterval(function () { refreshTimes(document); }, 15000);
        var url = document.body.getAttribute("data-events");
        if (url) follow(url);
      });
    })();
    """#
}
