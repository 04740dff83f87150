// The Content-Security-Policy shared by the Electron shell (response header set
// through session.webRequest) and the web server (HTTP header). Electron-free.
//
// Why each directive:
// - scripts only from the app itself: the renderer is bundled by Vite, no CDN,
//   no eval (a compromised lab name or packet dump rendered as HTML can't run code);
// - inline *styles* are allowed because React Flow / xterm / recharts set
//   style attributes at runtime;
// - connect-src is the app's own origin plus its WebSocket (web mode events);
// - frame-ancestors 'none': the control plane of a Docker engine must not be
//   framed by another site (clickjacking).

export interface CspOptions {
  /** extra connect-src entries, e.g. the web server's ws://127.0.0.1:PORT */
  connect?: string[];
  /** Vite dev server: its HMR client needs inline scripts and a WebSocket */
  dev?: boolean;
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const connect = ["'self'", ...(opts.connect ?? [])];
  const script = ["'self'"];
  if (opts.dev) {
    // @vitejs/plugin-react injects an inline preamble; HMR talks over ws.
    script.push("'unsafe-inline'");
    connect.push('ws:', 'http://localhost:*', 'http://127.0.0.1:*');
  }
  return [
    "default-src 'self'",
    `script-src ${script.join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
