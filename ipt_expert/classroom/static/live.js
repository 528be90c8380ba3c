// The educator's pages, refreshed as answers arrive: poll the exercise's version, reload when it changes.
(function () {
  var script = document.currentScript;
  if (!script) return;
  var url = script.getAttribute('data-version-url');
  var seen = script.getAttribute('data-version');
  var polls = 0;
  function poll() {
    if (polls++ > 7200) return;                      // bounded: about six hours at 3 seconds
    fetch(url, {credentials: 'same-origin', cache: 'no-store'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && JSON.stringify(body.version) !== seen) {
          // live=1: the server may show figures a few seconds old rather than regrade a large class each time
          var next = new URL(window.location.href);
          next.searchParams.set('live', '1');
          window.location.replace(next.toString());
          return;
        }
        window.setTimeout(poll, 3000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
})();
