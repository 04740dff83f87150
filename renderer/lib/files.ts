// Opening and saving lab files: native dialogs in Electron, <input type=file> / download in the browser.
import type { ShellApi } from '../../electron/api';

export function fileNameFor(lab: string) {
  return `${lab || 'lab'}.lab.yaml`;
}

export function downloadText(text: string, fileName: string, type = 'application/yaml') {
  downloadBlob(new Blob([text], { type }), fileName);
}

/** Hand a file to the browser's download (in Electron, its save dialog). */
export function downloadBlob(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Where a saved lab went: a path (Electron's save dialog) or a download's file name; null when cancelled. */
export interface SavedLab { fileName: string; path?: string }

export async function saveLab(shell: ShellApi | undefined, text: string, lab: string): Promise<SavedLab | null> {
  if (shell) {
    const path = await shell.saveLabFile(text, fileNameFor(lab));
    return path ? { fileName: path.split(/[\\/]/).pop() ?? path, path } : null;
  }
  downloadText(text, fileNameFor(lab));
  return { fileName: fileNameFor(lab) };
}
