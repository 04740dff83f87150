// The confirmation asked before work or a running lab is lost: what will be
// lost, one line each; Cancel has the focus, Escape cancels.
import { useEffect, useRef } from 'react';
import type { Question } from '../state/useConfirm';
import { useTranslation } from '../i18n';

export function ConfirmDialog({ question, answer }: { question: Question | null; answer(ok: boolean): void }) {
  const { t } = useTranslation();
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!question) return;
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        answer(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [question, answer]);
  if (!question) return null;
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && answer(false)}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm">
        <h2 id="confirm-title" className="modal-title">
          {question.title}
        </h2>
        <ul className="modal-lines" data-testid="confirm-lines">
          {question.lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
        <div className="modal-actions">
          <button type="button" className="btn" ref={cancel} data-testid="confirm-cancel" onClick={() => answer(false)}>
            {t('app.confirmCancel')}
          </button>
          <button type="button" className={`btn ${question.danger ? 'danger' : 'primary'}`} data-testid="confirm-ok" onClick={() => answer(true)}>
            {question.confirm}
          </button>
        </div>
      </div>
    </div>
  );
}
