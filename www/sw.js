// The site's service worker, registered by the lessons: every same-origin file a lesson page
// loads (its HTML, the widgets' modules, the wasm, and what its workers load) is kept in a cache
// as it is fetched, and served from there when the network is gone, so a lesson that has been
// opened once works offline. It sits at the site's root because the widgets' workers
// (pkg/js/*-worker.js) are clients in their own right: a worker is controlled only by a service
// worker whose scope covers the worker's own URL. Online, the network answers first (a fresh copy
// is always preferred, and stored); the cache is the fallback.
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
