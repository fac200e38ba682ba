// The site's service worker, registered by the lessons and the course page: every same-origin
// file a page loads (its HTML, the widgets' modules, the wasm, and what its workers load) is kept
// in a cache, and served from there when the network is gone, so a lesson opened once works
// offline. It sits at the site's root because the widgets' workers (pkg/js/*-worker.js) are
// clients in their own right: a worker is controlled only by a service worker whose scope covers
// the worker's own URL. Online, the network answers first (a fresh copy is always preferred, and
// stored); the cache is the fallback.
//
// A fetch reaches this worker only once it controls the page, and the page that registered it
// loaded everything before that. So it claims its clients as soon as it is active, and the page
// then sends it a `keep` message with the URLs it has loaded (its own included): those are
// fetched and stored here, with the URLs of every client (the widgets' workers' scripts, which
// are not in the page's resource list). The reply says how many were kept and which could not be.
const CACHE = 'unrolled-lessons-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fetch(req);
      if (res.ok) await cache.put(req, res.clone());
      return res;
    } catch (err) {
      const hit = await cache.match(req, { ignoreSearch: true });
      if (hit) return hit;
      throw err;
    }
  })());
});

self.addEventListener('message', (e) => {
  if (e.data?.type !== 'keep' || !e.ports[0]) return;
  const port = e.ports[0];
  e.waitUntil(keep(e.data.urls ?? []).then(
    (r) => port.postMessage(r),
    (err) => port.postMessage({ error: String(err?.message ?? err) }),
  ));
});

/** Stores every same-origin URL of `urls` and of this worker's clients that is not stored yet:
 *  `{kept, missing}` (missing: the URLs that could not be fetched). */
async function keep(urls) {
  const cache = await caches.open(CACHE);
  const clients = await self.clients.matchAll({ type: 'all', includeUncontrolled: true });
  const site = `${self.location.origin}/`;
  const wanted = [...new Set([...urls, ...clients.map((c) => c.url)]
    .map((u) => new URL(u, self.location.href).href.split('#')[0]))]
    .filter((u) => u.startsWith(site));
  const missing = [];
  await Promise.all(wanted.map(async (u) => {
    if (await cache.match(u)) return;
    try {
      const res = await fetch(u);
      if (res.ok) await cache.put(u, res);
      else missing.push(u);
    } catch {
      missing.push(u);
    }
  }));
  return { kept: wanted.length - missing.length, missing };
}
