// The Captures tab: start a capture on the running lab's interfaces (or open
// a pcap file), watch the packets arrive, filter them with Wireshark's display
// filters, and read one packet's layers, fields and bytes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CapturedPacket, LabStatus } from '../../../electron/api';
import type { ApiClient } from '../../api-client';
import { buildCapture, captureChoices, decodeTree, defaultCaptureForm, defaultPicks, fieldAtByte, fmtCount, linkChoice, type CaptureForm as Form, type TreeSelection } from '../../lib/capture-data';
import { Icon } from '../icons';
import { CaptureForm, type CanvasOffer } from './CaptureForm';
import { DecodeTree } from './DecodeTree';
import { DisplayFilterBar } from './DisplayFilterBar';
import { HexView } from './HexView';
import { PacketList } from './PacketList';
import type { ShownCapture } from './capture-store';
import { useCapture } from './useCapture';
import { i18n, useTranslation } from '../../i18n';
import { words } from '../../i18n/said';

/** What is selected on the canvas that one can capture on: a node, or its link to a network. */
export interface CanvasPick { node: string; network?: string }

export interface CapturesPanelProps {
  client: ApiClient;
  /** the deployed lab shown in the editor, or null */
  lab: string | null;
  /** its status: the nodes' interfaces */
  status: LabStatus | null;
  pick?: CanvasPick | null;
}

const clock = (ms: number) => new Date(ms).toTimeString().slice(0, 8);
const STATE_TEXT = (s: ShownCapture['state']) => i18n.t(`captures.state.${s}`);

export function CapturesPanel({ client, lab, status, pick }: CapturesPanelProps) {
  const { t, i18n: { language } } = useTranslation();
  const [c, store] = useCapture(client);
  const choices = useMemo(() => captureChoices(lab ? status : null), [lab, status]);
  const choiceKeys = choices.map((x) => `${x.key}${x.running ? '' : '!'}`).join(',');
  const [form, setForm] = useState<Form>(defaultCaptureForm);
  const [follow, setFollow] = useState(true);
  const ticked = useRef<string | null>(null);

  // the balancer's interfaces are ticked the first time a lab's are known; picks the lab lost are dropped
  useEffect(() => {
    const keys = new Set(choices.map((x) => x.key));
    if (!keys.size) return;
    if (ticked.current !== lab) {
      ticked.current = lab;
      setForm((f) => ({ ...f, picked: defaultPicks(choices) }));
    } else setForm((f) => (f.picked.every((k) => keys.has(k)) ? f : { ...f, picked: f.picked.filter((k) => keys.has(k)) }));
    // on choiceKeys, not choices: the status is polled and its objects are new each time
  }, [choiceKeys, lab]);

  const running = c.cap?.state === 'running';
  const blocked = !lab ? t('captures.deployFirst') : !choices.length ? t('captures.waitingIfaces') : undefined;
  // its error is a sentence: redone when the language is switched live
  const built = useMemo(() => buildCapture(form, choices), [form, choices, language]);
  const problem = 'error' in built ? built.error : undefined;

  const startWith = useCallback(
    (f: Form) => {
      const b = buildCapture(f, choices);
      if (!lab || 'error' in b) return;
      setFollow(true);
      void store.start(lab, b.targets, b.opts);
    },
    [lab, choices, store],
  );

  // the canvas's link or node, as interfaces of the running lab
  const offer = useMemo((): CanvasOffer | null => {
    if (!pick || !choices.length) return null;
    if (pick.network) {
      const one = linkChoice(choices, pick.node, pick.network);
      return one ? { label: t('captures.onLink', { key: one.key, network: one.network }), keys: [one.key] } : null;
    }
    const all = choices.filter((x) => x.node === pick.node);
    return all.length ? { label: t('captures.onNode', { node: pick.node, ifaces: all.map((x) => x.iface).join(', ') }), keys: all.map((x) => x.key) } : null;
  }, [pick, choices, t]);

  // what is selected in the packet's tree, kept with its packet: a new packet has nothing selected yet
  const packet = c.packet;
  const [picked, setPicked] = useState<{ packet: CapturedPacket; field: TreeSelection } | null>(null);
  const field = packet && picked?.packet === packet ? picked.field : null;
  const setField = (f: TreeSelection) => packet && setPicked({ packet, field: f });
  const tree = useMemo(() => (packet ? decodeTree(packet, `${packet.node}:${packet.iface}`) : []), [packet]);

  const cap = c.cap;
  const onSelectCapture = (id: string) => {
    const info = c.captures.find((x) => x.id === id);
    if (!info) return;
    setFollow(info.state === 'running');
    store.open(info);
  };

  return (
    <div className="compare captures" data-testid="captures">
      <aside className="compare-side">
        <CaptureForm
          form={form}
          setForm={setForm}
          choices={choices}
          blocked={blocked}
          running={running}
          starting={c.starting}
          problem={problem}
          offer={offer}
          onStart={() => startWith(form)}
          onStartOn={(keys) => {
            const f = { ...form, picked: keys };
            setForm(f);
            startWith(f);
          }}
          onStop={() => void store.stop()}
          onLoad={(file) => {
            setFollow(false);
            void store.load(file);
          }}
        />
      </aside>
      <section className="captures-main" aria-label={t('captures.capture')}>
        <div className="cap-bar">
          <span className={`cap-state ${cap?.state ?? 'none'}`} data-testid="capture-state">
            {cap ? STATE_TEXT(cap.state) : t('captures.noCapture')}
          </span>
          {cap && (
            <span className="cap-status" data-testid="capture-status">
              <span data-testid="capture-total">{fmtCount(cap.total)}</span> {t('captures.packets')} ·{' '}
              <span data-testid="capture-shown" title={c.filter.applied ? t('captures.byFilter', { filter: c.filter.applied }) : t('captures.everyPacket')}>
                {fmtCount(c.shown)}
              </span>{' '}
              {t('captures.shown')}
              {' · '}
              <span className={cap.dropped ? 'cap-dropped' : undefined} data-testid="capture-dropped" title={t('captures.droppedTitle')}>
                {t('captures.dropped', { n: fmtCount(cap.dropped) })}
              </span>
              <span className="muted" title={cap.interfaces.map((i) => `${i.node}:${i.iface}`).join(', ')}>
                {' · '}
                {cap.state === 'loaded' ? cap.name : cap.interfaces.map((i) => `${i.node}:${i.iface}`).join(', ')}
                {cap.filter ? ` · ${cap.filter}` : ''}
              </span>
              {cap.endReason && cap.state === 'ended' && <span className="muted" data-testid="capture-end-reason" data-i18n="engine">{` · ${cap.endReason}`}</span>}
            </span>
          )}
          <span className="spacer" />
          {!follow && running && (
            <button type="button" className="btn small" data-testid="capture-follow" onClick={() => setFollow(true)} title={t('captures.followTitle')}>
              {t('captures.follow')}
            </button>
          )}
          {c.captures.length > 0 && (
            <select className="cap-select" data-testid="capture-select" aria-label={t('captures.capturesLabel')} value={cap?.id ?? ''} onChange={(e) => onSelectCapture(e.target.value)}>
              {!cap && <option value="">{t('captures.capturesPick')}</option>}
              {c.captures.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name} {clock(x.startedAt)} · {STATE_TEXT(x.state)}
                </option>
              ))}
            </select>
          )}
          <button type="button" className="btn small" data-testid="capture-save" disabled={!cap || cap.total === 0} title={t('captures.saveTitle')} onClick={() => void store.save()}>
            <Icon.save /> {t('captures.save')}
          </button>
          <button type="button" className="btn small ghost icon" data-testid="capture-discard" disabled={!cap} title={t('captures.discardTitle')} aria-label={t('captures.discard')} onClick={() => void store.discard()}>
            <Icon.trash />
          </button>
        </div>
        <DisplayFilterBar filter={c.filter} disabled={!cap} check={store.checkFilter} apply={store.runFilter} />
        {c.error && (
          <div className="compare-error" role="alert" data-testid="capture-error" title={words(c.error)}>
            <span>{words(c.error)}</span>
            <button type="button" className="linklike" onClick={() => store.dismissError()}>
              {t('captures.dismiss')}
            </button>
          </div>
        )}
        <div className="cap-split">
          <PacketList
            key={cap?.id ?? 'none'}
            view={c.view}
            table={c.table}
            selected={c.selected}
            onSelect={(i) => void store.select(i)}
            follow={follow && running}
            setFollow={setFollow}
            ensure={store.ensure}
            empty={
              !cap
                ? t('captures.emptyNone')
                : c.filter.applied
                  ? t('captures.emptyNoMatch', { filter: c.filter.applied })
                  : running
                    ? t('captures.emptyWaiting')
                    : t('captures.emptyNone2')
            }
          />
          <div className="cap-detail">
            {packet ? (
              <>
                <DecodeTree tree={tree} selected={field} onSelect={setField} problem={packet.error} />
                <HexView
                  hex={packet.bytes}
                  selected={field}
                  onByte={(o) => {
                    const s = fieldAtByte(tree, o);
                    if (s) setField(s);
                  }}
                />
              </>
            ) : (
              <div className="dock-empty small" data-testid="capture-detail-empty">
                {c.packetError ?? (cap ? t('captures.selectPacket') : '')}
              </div>
            )}
          </div>
        </div>
      </section>
    </div>
  );
}
