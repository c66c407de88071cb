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

  var frame = null;
  button.addEventListener('click', function () {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.id = 'livehelp-frame';
      frame.title = label;
      frame.src = origin + '/';
      var f = frame.style;
      f.position = 'fixed'; f.bottom = '64px'; f[side] = '16px'; f.zIndex = '2147483000';
      f.width = 'min(420px, calc(100vw - 32px))'; f.height = 'min(640px, calc(100vh - 96px))';
      f.border = '1px solid #c8c8c8'; f.borderRadius = '8px'; f.background = '#fff';
      f.boxShadow = '0 4px 16px rgba(0,0,0,.3)';
      document.body.appendChild(frame);
      button.setAttribute('aria-expanded', 'true');
      return;
    }
    var open = frame.style.display !== 'none';
    frame.style.display = open ? 'none' : 'block';
    button.setAttribute('aria-expanded', open ? 'false' : 'true');
  });
  document.body.appendChild(button);
})();
