// Small labelled form controls used by the inspector.
import { useEffect, useId, useState, type ReactNode } from 'react';
import { NAME_RE } from '../../../electron/api';
import { Icon } from '../icons';
import { useFieldIssues } from './field-issues';
import { useTranslation } from '../../i18n';

interface Base {
  label: string;
  testid?: string;
  hint?: ReactNode;
  error?: string;
  /** the field's path in the lab document ("nodes.web1.links[0].rate"): its problems show here, and pressing one focuses it */
  path?: string;
}

export function Field({ label, hint, error, children, id, path }: Base & { children: ReactNode; id: string }) {
  const problems = useFieldIssues(path);
  const shown = error ?? problems?.join(' · ');
  return (
    <div className={`field${shown ? ' invalid' : ''}`} data-field-path={path}>
      <label htmlFor={id}>{label}</label>
      {children}
      {shown ? (
        <div className="field-error" data-testid={path ? `field-error-${path}` : undefined} data-i18n={error ? undefined : 'engine'}>
          {shown}
        </div>
      ) : hint ? (
        <div className="field-hint">{hint}</div>
      ) : null}
    </div>
  );
}

export function TextField(p: Base & { value: string | undefined; onChange(v: string): void; onBlur?(): void; placeholder?: string; multiline?: boolean; /** holds the lab file's own words (not translated) */ labFile?: boolean }) {
  const id = useId();
  return (
    <Field {...p} id={id}>
      {p.multiline ? (
        <textarea id={id} data-testid={p.testid} data-i18n={p.labFile ? 'lab' : undefined} value={p.value ?? ''} placeholder={p.placeholder} rows={3} onChange={(e) => p.onChange(e.target.value)} onBlur={p.onBlur} />
      ) : (
        <input id={id} data-testid={p.testid} type="text" spellCheck={false} value={p.value ?? ''} placeholder={p.placeholder} onChange={(e) => p.onChange(e.target.value)} onBlur={p.onBlur} />
      )}
    </Field>
  );
}

/** A number input that keeps what the user typed until it parses. Empty → undefined. */
export function NumberField(p: Base & { value: number | undefined; onChange(v: number | undefined): void; onBlur?(): void; placeholder?: string; min?: number; max?: number }) {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState(p.value === undefined ? '' : String(p.value));
  useEffect(() => {
    setDraft((d) => (Number(d) === p.value && d !== '' ? d : p.value === undefined ? '' : String(p.value)));
  }, [p.value]);
  const bad = draft !== '' && !/^-?\d+$/.test(draft.trim());
  return (
    <Field {...p} id={id} error={p.error ?? (bad ? t('inspector.wholeNumber') : undefined)}>
      <input
        id={id}
        data-testid={p.testid}
        type="text"
        inputMode="numeric"
        value={draft}
        placeholder={p.placeholder}
        onChange={(e) => {
          const v = e.target.value;
          setDraft(v);
          if (v.trim() === '') p.onChange(undefined);
          else if (/^-?\d+$/.test(v.trim())) p.onChange(Number(v.trim()));
        }}
        onBlur={p.onBlur}
      />
    </Field>
  );
}

export interface Choice<T extends string> { value: T; label: string; /** on hover */ title?: string; /** marked as not possible here */ unavailable?: boolean }

export function SelectField<T extends string>(p: Base & { value: T | ''; options: readonly (T | Choice<T>)[]; onChange(v: T): void; allowEmpty?: string; disabled?: boolean }) {
  const id = useId();
  return (
    <Field {...p} id={id}>
      <select id={id} data-testid={p.testid} value={p.value} disabled={p.disabled} onChange={(e) => p.onChange(e.target.value as T)}>
        {(p.allowEmpty !== undefined || p.value === '') && <option value="">{p.allowEmpty ?? '—'}</option>}
        {p.options.map((o) => {
          const c: Choice<T> = typeof o === 'string' ? { value: o, label: o } : o;
          return (
            <option key={c.value} value={c.value} title={c.title} data-unavailable={c.unavailable ? 'yes' : undefined} className={c.unavailable ? 'unavailable' : undefined}>
              {c.label}
            </option>
          );
        })}
      </select>
    </Field>
  );
}

/** Renames commit on Enter or blur, only when the new name is valid and free. */
export function NameField(p: Base & { value: string; taken(name: string): boolean; onRename(v: string): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState(p.value);
  useEffect(() => setDraft(p.value), [p.value]);
  const err = draft === p.value ? undefined : !NAME_RE.test(draft) ? t('inspector.nameRule') : p.taken(draft) ? t('inspector.nameTaken', { name: draft }) : undefined;
  const commit = () => {
    if (draft !== p.value && !err) p.onRename(draft);
    else if (err) setDraft(p.value);
  };
  return (
    <Field {...p} id={id} error={p.error ?? err}>
      <input
        id={id}
        data-testid={p.testid}
        type="text"
        spellCheck={false}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(p.value);
        }}
      />
    </Field>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="section">
      <div className="section-head">
        <h3>{title}</h3>
        {actions}
      </div>
      {children}
    </div>
  );
}

/** The inspector's last block: its one destructive action. */
export function DangerButton({ testid, onClick, children }: { testid: string; onClick(): void; children: ReactNode }) {
  return (
    <div className="danger-zone">
      <button type="button" className="btn danger" data-testid={testid} onClick={onClick}>
        <Icon.trash /> {children}
      </button>
    </div>
  );
}

export interface ListEntry {
  key: string;
  main: string;
  /** what follows the name: a chip, a muted note */
  meta?: ReactNode;
  testid?: string;
  /** has validation issues */
  flagged?: boolean;
  onClick(): void;
}

/** A list whose items select something in the inspector when clicked. */
export function ItemList({ items }: { items: ListEntry[] }) {
  return (
    <ul className="list">
      {items.map((i) => (
        <li key={i.key}>
          <button type="button" className={`list-item${i.flagged ? ' has-issues' : ''}`} data-testid={i.testid} onClick={i.onClick}>
            <span className="list-main">{i.main}</span>
            {i.meta}
          </button>
        </li>
      ))}
    </ul>
  );
}
