// The drawing as a file: open (a dialog in Electron, a file input in the
// browser), save, new, from a template, the running lab's drawing back; and
// whether the canvas holds unsaved work. Replacing the drawing asks first when
// that loses unsaved work or hides a running lab.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LabDoc, TemplateInfo } from '../../electron/api';
import { oneLine, type ApiClient } from '../api-client';
import { saveLab } from '../lib/files';
import { emptyDoc } from '../state/doc-ops';
import { issueText } from '../state/issues';
import { autoLayout, needsLayout } from '../state/layout';
import type { Question } from '../state/useConfirm';
import type { Notify } from '../state/useToasts';
import { i18n } from '../i18n';
import { asIs, say } from '../i18n/said';

export interface LabFileDeps {
  client: ApiClient;
  doc: LabDoc;
  edit(doc: LabDoc): void;
  /** the drawing is the running lab */
  deployed: boolean;
  ask(q: Question): Promise<boolean>;
  notify: Notify;
  /** a drawing (laid out) has just replaced the canvas's */
  onLoaded(doc: LabDoc): void;
}

export function useLabFile({ client, doc, edit, deployed, ask, notify, onLoaded }: LabFileDeps) {
  const { api, shell } = client;
  const [templates, setTemplates] = useState<TemplateInfo[]>([]);
  /** the document as last opened, loaded or saved: anything else on the canvas is unsaved work */
  const [savedKey, setSavedKey] = useState(() => JSON.stringify(doc));
  /** the browser's file picker (Electron has its own dialog) */
  const input = useRef<HTMLInputElement>(null);
  const dirty = JSON.stringify(doc) !== savedKey;

  useEffect(() => {
    api.listTemplates().then(setTemplates, (e) => notify(say('app.file.templatesUnavailable', { why: oneLine(e) }), 'warn'));
  }, [api, notify]);

  /** Ask before the canvas gets another drawing when that loses unsaved work or hides a running lab. */
  const mayReplace = useCallback(
    async (action: string, what: string) => {
      const lines: string[] = [];
      if (dirty) lines.push(i18n.t('app.file.unsaved', { lab: doc.name }));
      if (deployed)
        lines.push(i18n.t('app.file.keepsRunning', { lab: doc.name }));
      if (!lines.length) return true;
      return ask({ title: i18n.t('app.file.replaceTitle', { action, what }), lines, confirm: action });
    },
    [ask, dirty, deployed, doc.name],
  );

  const load = useCallback(
    (next: LabDoc) => {
      const laid = needsLayout(next) ? autoLayout(next) : next;
      edit(laid);
      setSavedKey(JSON.stringify(laid));
      onLoaded(laid);
    },
    [edit, onLoaded],
  );

  const openText = useCallback(
    async (text: string, source: string) => {
      try {
        const r = await api.parseLab(text);
        if (!r.doc) {
          const first = r.issues[0];
          const why = first ? asIs(issueText(first)) : say('app.file.notLabFile');
          notify(say('app.file.notOpened', { source, why, more: r.issues.length > 1 ? say('app.file.more', { count: r.issues.length - 1 }) : '' }));
          return;
        }
        if (!(await mayReplace(i18n.t('app.file.actionOpen'), source))) return;
        load(r.doc);
        notify(say('app.file.opened', { source }), 'success');
      } catch (e) {
        notify(`${source}: ${oneLine(e)}`);
      }
    },
    [api, load, notify, mayReplace],
  );

  const open = useCallback(async () => {
    if (shell) {
      try {
        const f = await shell.openLabFile();
        if (f) await openText(f.text, f.path);
      } catch (e) {
        notify(say('app.file.openFailed', { why: oneLine(e) }));
      }
    } else input.current?.click();
  }, [shell, openText, notify]);

  /** A file picked in the browser's file input. */
  const chosen = useCallback(async (f: File) => openText(await f.text(), f.name), [openText]);

  const save = useCallback(async () => {
    try {
      const saving = doc;
      const text = await api.formatLab(saving);
      const saved = await saveLab(shell, text, saving.name);
      if (!saved) return; // the save dialog was cancelled
      setSavedKey(JSON.stringify(saving));
      notify(saved.path ? say('app.file.savedTo', { path: saved.path }) : say('app.file.downloaded', { file: saved.fileName }), 'success');
    } catch (e) {
      notify(say('app.file.saveFailed', { why: oneLine(e) }));
    }
  }, [api, shell, notify, doc]);

  const newLab = useCallback(async () => {
    if (await mayReplace(i18n.t('app.file.actionNew'), i18n.t('app.file.anEmptyLab'))) load(emptyDoc());
  }, [mayReplace, load]);

  const fromTemplate = useCallback(
    async (id: string) => {
      const title = templates.find((t) => t.id === id)?.title ?? id;
      if (!(await mayReplace(i18n.t('app.file.actionTemplate'), i18n.t('app.file.theTemplate', { title })))) return;
      try {
        load(await api.getTemplate(id));
      } catch (e) {
        notify(say('app.file.templateFailed', { id, why: oneLine(e) }));
      }
    },
    [api, load, notify, mayReplace, templates],
  );

  /** Put the running lab's drawing back on the canvas. */
  const showRunning = useCallback(
    async (running: LabDoc) => {
      if (await mayReplace(i18n.t('app.file.actionShow'), i18n.t('app.file.runningDrawing', { lab: running.name }))) load(running);
    },
    [mayReplace, load],
  );

  return { templates, dirty, input, open, chosen, save, newLab, fromTemplate, showRunning };
}

export type LabFile = ReturnType<typeof useLabFile>;
