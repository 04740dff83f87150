// Notices over the top of the canvas (never over the counters or the
// inspector). Errors stay until closed; several collapse into one line with a
// count that opens the list.
import { useState } from 'react';
import type { Toast } from '../state/useToasts';
import { Icon } from './icons';
import { useTranslation } from '../i18n';
import { words } from '../i18n/said';

function ToastView({ t, dismiss }: { t: Toast; dismiss(id: number): void }) {
  const { t: tr } = useTranslation();
  return (
    <div className={`toast ${t.level}`} data-testid={`toast-${t.level}`} role={t.level === 'error' ? 'alert' : undefined}>
      <span className="toast-msg">
        {words(t.said)}
        {t.count > 1 && <span className="toast-count"> ×{t.count}</span>}
      </span>
      <button type="button" className="icon-btn" aria-label={tr('app.toasts.dismiss')} onClick={() => dismiss(t.id)}>
        <Icon.close />
      </button>
    </div>
  );
}

export function Toasts({ toasts, dismiss, dismissErrors }: { toasts: Toast[]; dismiss(id: number): void; dismissErrors(): void }) {
  const { t: tr } = useTranslation();
  const [open, setOpen] = useState(false);
  const errors = toasts.filter((t) => t.level === 'error');
  const notices = toasts.filter((t) => t.level !== 'error');
  const latest = errors[errors.length - 1];
  return (
    <div className="toasts" role="status" aria-live="polite">
      {errors.length > 1 && (
        <div className="toast error toast-group" data-testid="toast-errors">
          <button type="button" className="linklike toast-msg" aria-expanded={open} data-testid="toast-errors-toggle" onClick={() => setOpen((o) => !o)}>
            {tr('app.toasts.errors', { count: errors.length })} {open ? '▴' : '▾'}
          </button>
          <button type="button" className="icon-btn" aria-label={tr('app.toasts.dismissErrors')} data-testid="toast-errors-dismiss" onClick={dismissErrors}>
            <Icon.close />
          </button>
        </div>
      )}
      {(errors.length > 1 && open ? errors : latest ? [latest] : []).map((t) => (
        <ToastView key={t.id} t={t} dismiss={dismiss} />
      ))}
      {notices.map((t) => (
        <ToastView key={t.id} t={t} dismiss={dismiss} />
      ))}
    </div>
  );
}

export function Banner({ message, testid }: { message: string; testid: string }) {
  return (
    <div className="banner" role="alert" data-testid={testid}>
      <Icon.warn />
      <span>{message}</span>
    </div>
  );
}
