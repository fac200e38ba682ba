// A tiny static file server (no dependencies) for the page and the browser tests.
//   node scripts/serve.mjs --root www [--port 8080] [--mount /vendor/=e2e/node_modules/]
// Binds 127.0.0.1 only. With --port 0 (or a busy port) it takes a free port. Prints the URL.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const root = path.resolve(opt('--root', 'www'));
const mounts = [];
args.forEach((a, i) => {
  if (a === '--mount') {
    const [prefix, dir] = args[i + 1].split('=');
    mounts.push([prefix, path.resolve(dir)]);
  }
});
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

function resolve(urlPath) {
  for (const [prefix, dir] of mounts) {
    if (urlPath.startsWith(prefix)) return [dir, urlPath.slice(prefix.length)];
  }
  return [root, urlPath];
}

const server = http.createServer((req, res) => {
  let urlPath;
  try {
    urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  const [base, rel] = resolve(urlPath);
  let file = path.join(base, rel);
  if (!file.startsWith(base)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  fs.stat(file, (err, st) => {
    if (!err && st.isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err2, data) => {
      if (err2) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': types[path.extname(file)] || 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      res.end(data);
    });
  });
});

const wanted = Number(opt('--port', '8080'));
server.once('listening', () => {
  const { port } = server.address();
  if (wanted !== 0 && port !== wanted) console.log(`(port ${wanted} is in use: using ${port})`);
  console.log(`Unrolled is running at http://127.0.0.1:${port}/`);
});
server.on('error', (e) => {
  if (e.code === 'EADDRINUSE' && !server.listening) server.listen(0, '127.0.0.1');
  else throw e;
});
server.listen(wanted, '127.0.0.1');
