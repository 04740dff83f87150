// The display filter, as in Wireshark: field names (`ip.dst == 198.18.0.254
// && tcp.flags.syn == 1`), green while it compiles, red with the engine's
// one-line error and the spot it points at when it does not. Enter applies.
import { useEffect, useRef, useState } from 'react';
import type { DisplayFilter, FilterOutcome } from './capture-store';
import { useTranslation } from '../../i18n';
import { words } from '../../i18n/said';

export interface DisplayFilterBarProps {
  filter: DisplayFilter;
  /** no capture to filter yet */
  disabled: boolean;
  /** whether a text compiles (null: cannot tell) */
  check(text: string): Promise<FilterOutcome | null>;
  /** run the filter over the capture; its error when it does not compile */
  apply(text: string): Promise<FilterOutcome>;
}

interface Checked extends FilterOutcome { text: string }

export function DisplayFilterBar({ filter, disabled, check, apply }: DisplayFilterBarProps) {
  const [text, setText] = useState('');
  const { t } = useTranslation();
  const [checked, setChecked] = useState<Checked | null>(null);
  const input = useRef<HTMLInputElement>(null);

  // check as one types (the engine compiles it against no packet)
  useEffect(() => {
    if (disabled || !text.trim()) {
      setChecked(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      void check(text).then((r) => live && setChecked(r ? { text, ...r } : null));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text, disabled, check]);

  const current = checked && checked.text === text ? checked : null;
  const state = !text.trim() ? 'empty' : current ? (current.error ? 'invalid' : 'valid') : text.trim() === filter.applied ? 'valid' : 'unknown';
  // a live capture's later batches can fail too (the engine went away)
  const error = current?.error ?? (text.trim() === filter.applied ? filter.error : undefined);
  const pos = current?.error ? current.position : undefined;

  const onApply = async () => {
    const r = await apply(text);
    if (r.error === undefined) return;
    setChecked({ text, error: r.error, position: r.position });
    if (input.current) {
      input.current.focus();
      const at = Math.max(0, (r.position ?? 1) - 1);
      input.current.setSelectionRange(at, at);
    }
  };

  return (
    <div className="dfilter">
      <div className={`dfilter-row ${state}`}>
        <input
          ref={input}
          className="dfilter-input mono"
          data-testid="display-filter"
          aria-label={t('captures.displayFilter')}
          aria-invalid={state === 'invalid'}
          placeholder={disabled ? t('captures.dfDisabled') : t('captures.dfPlaceholder')}
          value={text}
          disabled={disabled}
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void onApply();
            else if (e.key === 'Escape' && text) {
              setText('');
              void apply('');
            }
          }}
        />
        {filter.applied && (
          <button
            type="button"
            className="btn small ghost"
            data-testid="display-filter-clear"
            title={t('captures.showEvery')}
            onClick={() => {
              setText('');
              void apply('');
            }}
          >
            {t('captures.clear')}
          </button>
        )}
        <button type="button" className="btn small" data-testid="display-filter-apply" disabled={disabled || filter.busy} onClick={() => void onApply()}>
          {filter.busy ? t('captures.filtering') : t('captures.apply')}
        </button>
      </div>
      {error && (
        <div className="dfilter-error" role="alert" data-testid="display-filter-error" data-i18n="engine">
          <span>{words(error)}</span>
          {pos !== undefined && pos >= 1 && (
            <code className="dfilter-where" data-testid="display-filter-where">
              {text.slice(0, pos - 1)}
              <mark>{text.slice(pos - 1, pos) || ' '}</mark>
              {text.slice(pos)}
            </code>
          )}
        </div>
      )}
    </div>
  );
}
