import type { Toast } from '../state/useToasts';
import { Icon } from './icons';

export function Toasts({ toasts, dismiss }: { toasts: Toast[]; dismiss(id: number): void }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.level}`} data-testid={`toast-${t.level}`} role={t.level === 'error' ? 'alert' : undefined}>
          <span className="toast-msg">
            {t.message}
            {t.count > 1 && <span className="toast-count"> ×{t.count}</span>}
          </span>
          <button type="button" className="icon-btn" aria-label="dismiss" onClick={() => dismiss(t.id)}>
            <Icon.close />
          </button>
        </div>
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
