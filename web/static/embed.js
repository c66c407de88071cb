// Embed the livehelp widget on any site:
//   <script src="https://help.example.org/static/embed.js" defer></script>
// adds a "Live help" button in the corner that opens the widget (served at / by livehelp) in a frame.
// Optional attributes on the script tag: data-label="Chat with us", data-position="left".
(function () {
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var label = script.getAttribute('data-label') || 'Live help';
  var side = script.getAttribute('data-position') === 'left' ? 'left' : 'right';

  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'livehelp-frame');
  var b = button.style;
  b.position = 'fixed'; b.bottom = '16px'; b[side] = '16px'; b.zIndex = '2147483000';
  b.padding = '10px 16px'; b.border = '0'; b.borderRadius = '999px'; b.cursor = 'pointer';
  b.background = '#0b5cad'; b.color = '#fff'; b.font = '600 15px system-ui, sans-serif';
  b.boxShadow = '0 2px 8px rgba(0,0,0,.3)';

  // The unread badge: replies counted while the frame is closed (the widget tells us; no text crosses).
  var unread = 0;
  var badge = document.createElement('span');
  var s = badge.style;
  s.display = 'none'; s.marginLeft = '8px'; s.minWidth = '20px'; s.padding = '0 6px'; s.borderRadius = '999px';
  s.background = '#fff'; s.color = '#a4001d'; s.font = '700 13px system-ui, sans-serif'; s.lineHeight = '20px';
  badge.setAttribute('aria-hidden', 'true');
  button.appendChild(badge);
  function renderBadge() {
    badge.textContent = String(unread);
    badge.style.display = unread ? 'inline-block' : 'none';
    button.setAttribute('aria-label', unread ? label + ' (' + unread + ' unread)' : label);
  }

  var frame = null;
  var phone = window.matchMedia('(max-width: 600px)');
  function place() {
    if (!frame) return;
    var f = frame.style;
    if (phone.matches) {
      // Full screen on a phone; the widget's own Close button brings the page back.
      f.top = '0'; f.left = '0'; f.right = '0'; f.bottom = '0'; f.width = '100vw'; f.height = '100dvh';
      f.border = '0'; f.borderRadius = '0';
    } else {
      f.top = 'auto'; f.left = side === 'left' ? '16px' : 'auto'; f.right = side === 'right' ? '16px' : 'auto';
      f.bottom = '64px'; f.width = 'min(420px, calc(100vw - 32px))'; f.height = 'min(640px, calc(100vh - 96px))';
      f.border = '1px solid #c8c8c8'; f.borderRadius = '8px';
    }
  }
  function isOpen() { return !!frame && frame.style.display !== 'none'; }
  function setOpen(open) {
    frame.style.display = open ? 'block' : 'none';
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    button.style.display = open && phone.matches ? 'none' : '';
    if (open) { unread = 0; renderBadge(); } else { button.focus(); }
  }
  if (phone.addEventListener) phone.addEventListener('change', function () { place(); if (isOpen()) setOpen(true); });
  window.addEventListener('message', function (e) {
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin || !e.data) return;
    if (e.data.livehelp === 'close') setOpen(false);
    if (e.data.livehelp === 'reply' && !isOpen()) { unread += 1; renderBadge(); }
  });

  button.addEventListener('click', function () {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.id = 'livehelp-frame';
      frame.title = label;
      frame.src = origin + '/';
      var f = frame.style;
      f.position = 'fixed'; f.zIndex = '2147483000'; f.background = '#fff';
      f.boxShadow = '0 4px 16px rgba(0,0,0,.3)';
      place();
      document.body.appendChild(frame);
      setOpen(true);
      return;
    }
    setOpen(!isOpen());
  });
  document.body.appendChild(button);
})();
