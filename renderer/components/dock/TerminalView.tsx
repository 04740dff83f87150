// One xterm.js session into a node. Output arrives as terminal-data events,
// keystrokes go back with terminalInput, every fit is followed by resizeTerminal.
import { useEffect, useEffectEvent, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { LabEvent } from '../../../electron/api';
import { oneLine, type ApiClient } from '../../api-client';
import { i18n } from '../../i18n';

export interface TerminalViewProps {
  client: ApiClient;
  lab: string;
  node: string;
  visible: boolean;
  onEnded(reason: string): void;
}

export function TerminalView({ client, lab, node, visible, onEnded }: TerminalViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const fitRef = useRef<(() => void) | null>(null);
  // the newest onEnded, without reopening the session when it changes
  const reportEnded = useEffectEvent((reason: string) => onEnded(reason));

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = new Terminal({
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace',
      fontSize: 13,
      cursorBlink: true,
      convertEol: false,
      scrollback: 5000,
      theme: { background: '#0b0f14', foreground: '#d7dde5', cursor: '#7cc4ff', selectionBackground: '#2b4a6b' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    let id: string | null = null;
    let ended = false;
    const early: LabEvent[] = [];
    let last = { cols: 0, rows: 0 };

    const doFit = () => {
      if (!el.offsetWidth || !el.offsetHeight) return;
      try {
        fit.fit();
      } catch {
        return;
      }
      if (id && !ended && (term.cols !== last.cols || term.rows !== last.rows)) {
        last = { cols: term.cols, rows: term.rows };
        client.api.resizeTerminal(id, term.cols, term.rows).catch(() => undefined);
      }
    };
    fitRef.current = doFit;

    const handle = (e: LabEvent) => {
      if (e.type === 'terminal-data' && e.id === id) term.write(e.data);
      else if (e.type === 'terminal-end' && e.id === id) {
        ended = true;
        el.dataset.session = 'ended';
        term.write(`\r\n\x1b[2m[${e.reason ? i18n.t('dock.termEndedWhy', { why: e.reason }) : i18n.t('dock.termEnded')}]\x1b[0m\r\n`);
        reportEnded(e.reason || i18n.t('dock.termEndedShort'));
      }
    };
    const off = client.onEvent((e) => {
      if (e.type !== 'terminal-data' && e.type !== 'terminal-end') return;
      if (id === null) early.push(e);
      else handle(e);
    });
    // Keystrokes go one request at a time, in order: in web mode each call is
    // its own HTTP request, and concurrent requests can arrive out of order
    // (typing "curl" would reach the shell as "culr"). What is typed while a
    // request is in flight is sent together with the next one.
    let pending = '';
    let sending = false;
    const flush = () => {
      if (sending || !pending || !id || ended) return;
      sending = true;
      const data = pending;
      pending = '';
      client.api
        .terminalInput(id, data)
        .catch((err) => term.write(`\r\n\x1b[31m${oneLine(err)}\x1b[0m\r\n`))
        .finally(() => {
          sending = false;
          flush();
        });
    };
    const input = term.onData((d) => {
      if (!id || ended) return;
      pending += d;
      flush();
    });

    doFit();
    const cols = Math.min(Math.max(term.cols, 20), 1000);
    const rows = Math.min(Math.max(term.rows, 5), 1000);
    term.write(`\x1b[2m${i18n.t('dock.connecting', { node })}\x1b[0m\r\n`);
    let disposed = false;
    client.api.openTerminal(lab, node, cols, rows).then(
      (r) => {
        if (disposed) {
          client.api.closeTerminal(r.id).catch(() => undefined);
          return;
        }
        id = r.id;
        el.dataset.session = 'open';
        last = { cols, rows };
        for (const e of early.splice(0)) handle(e);
        doFit();
        term.focus();
      },
      (err) => {
        ended = true;
        el.dataset.session = 'failed';
        term.write(`\x1b[31m${i18n.t('dock.cannotOpen', { node, why: oneLine(err) })}\x1b[0m\r\n`);
        reportEnded(oneLine(err));
      },
    );

    const ro = new ResizeObserver(() => doFit());
    ro.observe(el);
    return () => {
      disposed = true;
      ro.disconnect();
      input.dispose();
      off();
      if (id && !ended) client.api.closeTerminal(id).catch(() => undefined);
      term.dispose();
    };
  }, [client, lab, node]);

  useEffect(() => {
    if (visible) requestAnimationFrame(() => fitRef.current?.());
  }, [visible]);

  return <div className="terminal-host" ref={host} data-testid={`terminal-${node}`} />;
}
