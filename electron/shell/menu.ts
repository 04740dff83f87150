// The native application menu. File/Lab items are commands for the renderer
// (it owns the document), sent over IPC.shell; the rest are Electron roles.
export const MENU_COMMANDS = ['new', 'open', 'save', 'save-as', 'deploy', 'destroy'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator' | 'submenu' | 'normal';
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItem[];
}

export function menuTemplate(opts: { dev: boolean; mac: boolean; appName: string; send: (command: MenuCommand) => void; about: () => void }): MenuItem[] {
  const cmd = (label: string, command: MenuCommand, accelerator?: string): MenuItem => ({ label, accelerator, click: () => opts.send(command) });
  const sep: MenuItem = { type: 'separator' };
  const template: MenuItem[] = [];
  if (opts.mac) template.push({ label: opts.appName, submenu: [{ role: 'about' }, sep, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, sep, { role: 'quit' }] });
  template.push(
    {
      label: 'File',
      submenu: [
        cmd('New', 'new', 'CmdOrCtrl+N'),
        cmd('Open…', 'open', 'CmdOrCtrl+O'),
        sep,
        cmd('Save', 'save', 'CmdOrCtrl+S'),
        cmd('Save As…', 'save-as', 'CmdOrCtrl+Shift+S'),
        sep,
        opts.mac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
      ],
    },
    // Edit roles make copy/paste work in text fields and terminals (macOS needs them in the menu).
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, sep, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'Lab', submenu: [cmd('Deploy', 'deploy', 'CmdOrCtrl+Shift+D'), cmd('Destroy', 'destroy', 'CmdOrCtrl+Shift+X')] },
    {
      label: 'View',
      submenu: [
        ...(opts.dev ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, sep] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        sep,
        { role: 'togglefullscreen' },
      ],
    },
    { label: 'Help', submenu: [{ label: `About ${opts.appName}`, click: opts.about }] },
  );
  return template;
}
