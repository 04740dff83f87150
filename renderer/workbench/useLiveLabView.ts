// The running lab as the toolbar and the dock see it (LiveLabContext's value):
// how it differs from the drawing, whether Deploy can run, and the lifecycle
// actions that ask before they change or remove a running lab.
import { useCallback, useMemo } from 'react';
import type { LabDoc, LabIssue } from '../../electron/api';
import type { ApiClient } from '../api-client';
import type { TermTab } from '../components/dock/useTerminals';
import { brokenLine } from '../lib/doctor-data';
import { labDiff, redeployEffect } from '../state/drift';
import type { LiveLab, LiveLabView } from '../state/live-lab-context';
import type { Question } from '../state/useConfirm';
import { i18n, useTranslation } from '../i18n';

/** The drawing's validation, as useValidation reports it. */
interface Validation { issues: LabIssue[]; checking: boolean; error?: string }

export interface LiveLabViewDeps {
  client: ApiClient;
  live: LiveLab;
  doc: LabDoc;
  /** the drawing as of the last commit (deploy outlives the question before it) */
  latest: { readonly current: LabDoc };
  deployed: boolean;
  validation: Validation;
  ask(q: Question): Promise<boolean>;
  /** the open terminal tabs: Destroy says how many close */
  terms: TermTab[];
  showRunning(doc: LabDoc): Promise<void>;
  /** a deploy starts: the mode switches refused before no longer apply */
  onDeploy(): void;
}

/** Why Deploy cannot run now, or undefined when it can. */
function blockedBy(doc: LabDoc, v: Validation): string | undefined {
  if (Object.keys(doc.nodes).length === 0) return i18n.t('app.live.noNodes');
  if (v.issues.length) return i18n.t('app.live.fixFirst', { count: v.issues.length });
  if (v.error) return i18n.t('app.live.validationUnavailable', { error: v.error });
  if (v.checking) return i18n.t('app.live.checking');
  return undefined;
}

export function useLiveLabView({ client, live, doc, latest, deployed, validation, ask, terms, showRunning, onDeploy }: LiveLabViewDeps): LiveLabView {
  const running = deployed ? live.status?.doc : undefined;
  // the effect is a sentence: a language switched live must redo it at once
  const { i18n: { language } } = useTranslation();
  const drift = useMemo(() => {
    if (!running || live.switching) return null;
    const changes = labDiff(running, doc);
    return { changes, effect: redeployEffect(changes, running) };
  }, [running, doc, live.switching, language]);

  const deploy = useCallback(async () => {
    if (deployed && live.status) {
      const changes = drift?.changes ?? [];
      const healthy = live.status.state === 'running';
      if (changes.length || !healthy) {
        const lines = [
          ...(changes.length
            ? [i18n.t('app.live.changes', { count: changes.length })]
            : [i18n.t('app.live.degraded', { reason: live.status.reason ?? i18n.t('app.live.someNotRunning') })]),
          // the same drawing on a degraded lab: up repairs it in place (same containers)
          changes.length && running ? redeployEffect(changes, running) : changes.length ? i18n.t('app.live.recreates') : i18n.t('app.live.repairs'),
        ];
        if (!(await ask({ title: i18n.t('app.live.redeployTitle', { lab: doc.name }), lines, confirm: i18n.t('app.live.redeploy') }))) return;
      }
    }
    onDeploy();
    await live.deploy(latest.current);
  }, [deployed, live, drift, running, ask, doc.name, onDeploy, latest]);

  const destroy = useCallback(async () => {
    const name = live.lab;
    if (!name) return;
    const n = live.status?.nodes.length ?? 0;
    const open = terms.filter((t) => t.lab === name && !t.ended).length;
    const lines = [
      `${i18n.t('app.live.removed', { count: n, networks: live.status?.networks.length ?? 0 })}${open ? i18n.t('app.live.terminalsClose', { count: open }) : ''}${i18n.language === 'zh-CN' ? '。' : '.'}`,
      deployed ? i18n.t('app.live.drawingStays') : i18n.t('app.live.otherDrawingStays', { lab: doc.name }),
    ];
    if (await ask({ title: i18n.t('app.live.destroyTitle', { lab: name }), lines, confirm: i18n.t('app.live.destroy'), danger: true })) await live.destroy();
  }, [live, terms, deployed, doc.name, ask]);

  const runningDoc = live.status?.doc;
  return {
    client,
    live,
    deployed,
    degraded: live.status?.state === 'degraded' ? (live.status.reason ?? 'degraded') : undefined,
    broken: deployed ? brokenLine(live.status) : undefined,
    drift,
    blockedReason: blockedBy(doc, validation),
    deploy: () => void deploy(),
    destroy: () => void destroy(),
    showRunning: runningDoc ? () => void showRunning(runningDoc) : undefined,
  };
}
