// Static files of the built renderer, with an SPA fallback to index.html.
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Map a URL path onto a file inside `root`, or null when it would escape it.
 * Decoding happens before the containment check so %2e%2e and %2f cannot sneak past.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const abs = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  const base = path.resolve(root);
  if (abs !== base && !abs.startsWith(base + path.sep)) return null;
  return abs;
}

function send(res: ServerResponse, file: string, status = 200, head = false): void {
  const stat = fs.statSync(file);
  res.statusCode = status;
  res.setHeader('Content-Type', contentType(file));
  res.setHeader('Content-Length', stat.size);
  // Vite puts content-hashed files in assets/: cache them; never cache index.html.
  res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (head) {
    res.end();
    return;
  }
  fs.createReadStream(file).pipe(res);
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Serve GET/HEAD for `urlPath` from `root`. */
export function serveStatic(root: string, urlPath: string, req: IncomingMessage, res: ServerResponse): void {
  const head = req.method === 'HEAD';
  const file = resolveInside(root, urlPath);
  if (file === null) {
    res.statusCode = 403;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('forbidden: path outside the web root\n');
    return;
  }
  if (isFile(file)) return send(res, file, 200, head);
  const dirIndex = path.join(file, 'index.html');
  if (isFile(dirIndex)) return send(res, dirIndex, 200, head);
  // SPA fallback: client-side routes have no extension; a missing asset is a real 404.
  const last = urlPath.split('/').pop() ?? '';
  const index = path.join(root, 'index.html');
  if (!path.extname(last) && isFile(index)) return send(res, index, 200, head);
  if (urlPath === '/favicon.ico') {
    // browsers ask for it unprompted; an empty answer keeps the console clean
    res.statusCode = 204;
    res.end();
    return;
  }
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('not found\n');
}
