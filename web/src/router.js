// Client-side routes on the History API. The server answers every extension-less path outside
// /v1 with index.html, so a deep link (/cases/C-7) or a reload lands here.
const listeners = new Set();

export function currentPath() {
  return location.pathname + location.search;
}

export function navigate(path, { replace = false } = {}) {
  if (path === currentPath()) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener(path);
  // Move focus to the new page's heading, as a screen-reader user expects after navigation.
  requestAnimationFrame(() => document.querySelector('main h1')?.focus());
}

export function onNavigate(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

addEventListener('popstate', () => {
  for (const listener of listeners) listener(currentPath());
});

// Matches "/cases/:id" against "/cases/C-7" → {id: "C-7"}, or null.
export function match(pattern, path) {
  const [pathname] = path.split('?');
  const want = pattern.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return null;
  const params = {};
  for (let i = 0; i < want.length; ++i) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

export function searchParams() {
  return new URLSearchParams(location.search);
}

// A link that navigates without reloading (a real <a href>, so it opens in a new tab too).
export function linkHandler(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const anchor = event.target.closest('a[href^="/"]');
  if (!anchor || anchor.target) return;
  event.preventDefault();
  navigate(anchor.getAttribute('href'));
}
