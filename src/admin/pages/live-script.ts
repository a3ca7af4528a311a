// The pages' only script, inline with the CSP nonce. It keeps the operator's place: no reload ever; regions are
// replaced in place from server-sent events, keeping scroll, focus and selection; a person mid-action holds the
// region they are in until they are done. It also shows times in the operator's own time zone.
export const LIVE_SCRIPT = `(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (time) {
      var date = new Date(time.getAttribute("datetime"));
      if (!isNaN(date.getTime())) time.textContent = format.format(date);
    });
  }

  // A notice such as "reset" belongs to the moment it happened: drop it from the address so a reload does not repeat it.
  var url = new URL(location.href);
  ["done", "erased"].forEach(function (name) { url.searchParams.delete(name); });
  if (url.href !== location.href) history.replaceState(history.state, "", url.href);

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("[data-cancel]");
    if (!cancel) return;
    var details = cancel.closest("details");
    if (details) { details.open = false; details.querySelector("summary").focus(); }
  });

  function atBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 24; }
  function scrollToNewest() {
    document.querySelectorAll("[data-newest-last]").forEach(function (el) { el.scrollTop = el.scrollHeight; });
  }

  /** Something the person is in the middle of: typing, an open confirmation, a selection. */
  function inUse(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return true;
    if (region.querySelector("details[open]")) return true;
    var selection = document.getSelection();
    if (selection && !selection.isCollapsed && selection.rangeCount > 0) {
      var range = selection.getRangeAt(0);
      if (region.contains(range.commonAncestorContainer) || range.intersectsNode(region)) return true;
    }
    return false;
  }

  /** How to find the focused element again in the new markup: its id, or what it links to or does. */
  function focusKey(el) {
    if (el.id) return "#" + CSS.escape(el.id);
    var tag = el.tagName.toLowerCase();
    if (el.getAttribute("href")) return tag + '[href="' + CSS.escape(el.getAttribute("href")) + '"]';
    if (el.getAttribute("name")) return tag + '[name="' + CSS.escape(el.getAttribute("name")) + '"]';
    return null;
  }

  /** The element a reader has in view, to keep where it is: the focused one, or the first one on screen. */
  function anchorIn(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && active.closest("[data-key]")) return active.closest("[data-key]");
    var keyed = region.querySelectorAll("[data-key]");
    for (var i = 0; i < keyed.length; i += 1) if (keyed[i].getBoundingClientRect().bottom > 0) return keyed[i];
    return null;
  }

  function replace(region, html) {
    var anchor = anchorIn(region);
    var anchorKey = anchor && anchor.getAttribute("data-key");
    var anchorTop = anchor && anchor.getBoundingClientRect().top;
    var regionAbove = region.getBoundingClientRect().bottom <= 0;
    var heightBefore = region.getBoundingClientRect().height;
    var active = document.activeElement;
    var key = active && region.contains(active) ? focusKey(active) : null;
    var scrollers = Array.prototype.map.call(region.querySelectorAll("[data-newest-last]"), function (el) {
      return { id: el.id, top: el.scrollTop, bottom: atBottom(el) };
    });
    var own = region.hasAttribute("data-newest-last") ? { top: region.scrollTop, bottom: atBottom(region) } : null;
    region.innerHTML = html;
    localTimes(region);
    scrollers.forEach(function (s) {
      var el = s.id && document.getElementById(s.id);
      if (el) el.scrollTop = s.bottom ? el.scrollHeight : s.top;
    });
    if (own) region.scrollTop = own.bottom ? region.scrollHeight : own.top;
    // Nothing moves under the reader: what they had in view stays where it was on the screen.
    var again = anchorKey && region.querySelector('[data-key="' + CSS.escape(anchorKey) + '"]');
    if (again) window.scrollBy(0, again.getBoundingClientRect().top - anchorTop);
    else if (regionAbove) window.scrollBy(0, region.getBoundingClientRect().height - heightBefore);
    if (key) {
      var focused = region.querySelector(key);
      if (focused) focused.focus({ preventScroll: true });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    scrollToNewest();
    var source = document.body.getAttribute("data-live");
    var status = document.getElementById("live-status");
    var button = document.getElementById("live-pause");
    if (!source || !window.EventSource || !status || !button) return;
    var paused = false;
    var pending = {};
    var say = function (text) { status.textContent = text; };
    function flush() {
      var waiting = 0;
      Object.keys(pending).forEach(function (name) {
        var region = document.querySelector('[data-region="' + name + '"]');
        if (!region) { delete pending[name]; return; }
        if (paused || inUse(region)) { waiting += 1; return; }
        replace(region, pending[name]);
        delete pending[name];
      });
      if (paused) say(waiting ? "Paused: new activity is waiting. Resume to see it." : "Paused.");
      else if (waiting) say("New activity is held while you are using that part of the page.");
      else say("Live: new activity appears here as it happens.");
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", String(paused));
      button.textContent = paused ? "Resume live updates" : "Pause live updates";
      flush();
    });
    // A held region updates as soon as the person is done with it.
    ["focusout", "selectionchange", "toggle"].forEach(function (type) {
      document.addEventListener(type, function () { if (Object.keys(pending).length) setTimeout(flush, 0); }, true);
    });
    var events = new EventSource(source);
    events.addEventListener("regions", function (event) {
      var regions = JSON.parse(event.data);
      Object.keys(regions).forEach(function (name) { pending[name] = regions[name]; });
      flush();
    });
    events.addEventListener("gone", function (event) {
      events.close();
      say(event.data || "This conversation no longer exists.");
    });
    events.addEventListener("signedOut", function () {
      events.close();
      say("Your session has ended: live updates stopped. Sign in again to continue.");
    });
    events.addEventListener("open", function () { if (!paused) say("Live: new activity appears here as it happens."); });
    events.addEventListener("error", function () {
      if (events.readyState !== EventSource.CLOSED) say("Live updates interrupted; reconnecting…");
    });
  });
})();`;
