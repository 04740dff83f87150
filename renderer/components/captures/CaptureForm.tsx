// What to capture: the running lab's interfaces (node:iface on its network),
// a capture filter in tcpdump's syntax, the ring's size; Start and Stop; the
// link or node selected on the canvas in one click; a pcap file to open.
import { useRef } from 'react';
import type { IfaceChoice, CaptureForm as Form } from '../../lib/capture-data';
import { Icon } from '../icons';
import { useTranslation } from '../../i18n';

/** A link or node selected on the canvas, as interfaces of the running lab. */
export interface CanvasOffer { label: string; keys: string[] }

export interface CaptureFormProps {
  form: Form;
  setForm(f: Form): void;
  choices: IfaceChoice[];
  /** why nothing can be started (no lab deployed) */
  blocked?: string;
  running: boolean;
  starting: boolean;
  /** what is wrong with the form, shown under Start */
  problem?: string;
  offer: CanvasOffer | null;
  onStart(): void;
  onStartOn(keys: string[]): void;
  onStop(): void;
  onLoad(file: File): void;
}

export function CaptureForm(p: CaptureFormProps) {
  const { t } = useTranslation();
  const { form, setForm, choices } = p;
  const fileInput = useRef<HTMLInputElement>(null);
  const locked = !!p.blocked || p.running || p.starting;
  const nodes = [...new Set(choices.map((c) => c.node))];
  const toggle = (keys: string[], on: boolean) => {
    const rest = form.picked.filter((k) => !keys.includes(k));
    setForm({ ...form, picked: on ? [...rest, ...keys] : rest });
  };

  return (
    <div className="compare-form capture-form" data-testid="capture-form">
      {p.blocked && (
        <div className="compare-blocked" data-testid="capture-blocked">
          {p.blocked}
        </div>
      )}
      {choices.length > 0 && (
        <div className="field">
          <label>{t('captures.interfaces')}</label>
          <div className="cap-ifaces" data-testid="cap-ifaces">
            {nodes.map((node) => {
              const mine = choices.filter((c) => c.node === node);
              const on = mine.filter((c) => form.picked.includes(c.key)).length;
              return (
                <div className="cap-node" key={node}>
                  <label className="check cap-node-name" title={mine[0].running ? '' : t('captures.notRunning', { node })}>
                    <input
                      type="checkbox"
                      data-testid={`cap-node-${node}`}
                      checked={on === mine.length}
                      ref={(el) => {
                        if (el) el.indeterminate = on > 0 && on < mine.length;
                      }}
                      disabled={locked || !mine[0].running}
                      onChange={(e) => toggle(mine.map((c) => c.key), e.target.checked)}
                    />
                    <strong>{node}</strong>
                    <span className="muted small">{t(`canvas.kind.${mine[0].kind}`)}</span>
                  </label>
                  <div className="cap-node-ifaces">
                    {mine.map((c) => (
                      <label className="check" key={c.key} title={t('captures.ifaceTitle', { key: c.key, network: c.network, address: c.address })}>
                        <input type="checkbox" data-testid={`cap-iface-${c.key}`} checked={form.picked.includes(c.key)} disabled={locked || !c.running} onChange={(e) => toggle([c.key], e.target.checked)} />
                        <span className="mono">{c.iface}</span>
                        <span className="muted">{c.network}</span>
                      </label>
                    ))}
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      )}
      {p.offer && !p.blocked && (
        <button type="button" className="btn small cap-offer" data-testid="capture-offer" disabled={locked} title={t('captures.selectedOnCanvas')} onClick={() => p.onStartOn(p.offer!.keys)}>
          <Icon.play /> {p.offer.label}
        </button>
      )}
      <div className="field">
        <label htmlFor="capture-filter">{t('captures.captureFilter')} <span className="muted">{t('captures.tcpdumpSyntax')}</span></label>
        <input
          id="capture-filter"
          className="mono"
          data-testid="capture-filter"
          placeholder={t('captures.filterPlaceholder')}
          value={form.filter}
          disabled={locked}
          spellCheck={false}
          onChange={(e) => setForm({ ...form, filter: e.target.value })}
          onKeyDown={(e) => e.key === 'Enter' && !locked && !p.problem && p.onStart()}
        />
      </div>
      <div className="field">
        <label htmlFor="capture-ring">{t('captures.ringSize')} <span className="muted">{t('captures.oldestFirst')}</span></label>
        <input id="capture-ring" data-testid="capture-ring" inputMode="numeric" value={form.ringSize} disabled={locked} onChange={(e) => setForm({ ...form, ringSize: e.target.value })} />
      </div>
      <div className="compare-actions">
        <button type="button" className="btn primary" data-testid="capture-start" disabled={locked || !!p.problem} title={p.blocked ?? p.problem} onClick={p.onStart}>
          <Icon.play /> {p.starting ? t('captures.starting') : t('captures.start')}
        </button>
        <button type="button" className="btn danger" data-testid="capture-stop" disabled={!p.running} onClick={p.onStop}>
          <Icon.stop /> {t('captures.stop')}
        </button>
        <span className="muted small" data-testid="capture-hint">
          {!p.blocked && !p.running ? (p.problem ?? '') : ''}
        </span>
      </div>
      <div className="cap-file">
        <button type="button" className="btn small" data-testid="capture-load" onClick={() => fileInput.current?.click()}>
          <Icon.open /> {t('captures.openPcap')}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".pcap,.cap,.dmp,application/vnd.tcpdump.pcap"
          hidden
          data-testid="capture-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) p.onLoad(f);
          }}
        />
      </div>
    </div>
  );
}
