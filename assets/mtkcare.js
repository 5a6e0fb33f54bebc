// MTK Care's page script. Static on purpose: the CSP allows scripts from our own origin, and
// the server never builds script from data — it passes data (an element id, a number) to the
// functions here.
(() => {
  "use strict";

  // Error summary links: scroll their field into view and focus it, without navigating
  // (a changed address would reload the page's state). Called with the field's element id.
  const focusField = (id) => {
    const field = document.getElementById(String(id));
    if (field) {
      field.scrollIntoView({ block: "center" });
      field.focus();
    }
  };

  // The session's end. Signed-in pages carry an element whose data-session-timer is
  // "<ms since epoch when the session ends>:<ms left then>", refreshed by every event the
  // server answers. The ms left are counted from when this page saw the value (the
  // browser's clock may differ from the server's; seeing it late only makes the count end
  // later). Once it ends, the browser goes to the sign-in page, which says why.
  const TIMER_ID = "mtkcare-session-timer";
  const LOGIN = "/login";
  let seen = null;
  let endsAt = null;

  const checkSession = () => {
    const element = document.getElementById(TIMER_ID);
    const value = element ? element.getAttribute("data-session-timer") : null;
    if (value !== seen) {
      seen = value;
      const left = value ? Number.parseInt(value.split(":")[1], 10) : Number.NaN;
      endsAt = Number.isFinite(left) ? Date.now() + left : null;
    }
    if (endsAt !== null && Date.now() >= endsAt + 1000 && window.location.pathname !== LOGIN) {
      endsAt = null;
      const here = window.location.pathname + window.location.search;
      window.location.assign(`${LOGIN}?expired=1&next=${encodeURIComponent(here)}`);
    }
  };

  window.mtkcare = Object.freeze({ focusField });
  window.setInterval(checkSession, 1000);
})();
