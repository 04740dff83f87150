// Electron Forge: packaging and installers. Loaded by Forge through jiti, so
// plain TypeScript with ESM imports is fine even though package.json is "type": "module".
import type { ForgeConfig } from '@electron-forge/shared-types';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerRpm } from '@electron-forge/maker-rpm';
import { MakerDMG } from '@electron-forge/maker-dmg';
import { VitePlugin } from '@electron-forge/plugin-vite';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

const config: ForgeConfig = {
  packagerConfig: {
    name: 'lblab',
    executableName: 'lblab',
    // The Vite plugin packages only .vite/ (plus package.json): main, preload
    // and the renderer are self-contained bundles, dockerode included.
    asar: true,
    appBundleId: 'dev.lblab.app',
    appCategoryType: 'public.app-category.developer-tools',
  },
  rebuildConfig: {},
  makers: [
    new MakerSquirrel({ name: 'lblab' }),
    new MakerZIP({}, ['darwin', 'linux', 'win32']),
    new MakerDeb({ options: { name: 'lblab', productName: 'lblab', categories: ['Development', 'Network'], bin: 'lblab' } }),
    new MakerRpm({ options: { name: 'lblab', productName: 'lblab', categories: ['Development', 'Network'], bin: 'lblab' } }),
    new MakerDMG({ name: 'lblab' }),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'electron/main.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'electron/preload.ts', config: 'vite.preload.config.ts', target: 'preload' },
      ],
      renderer: [{ name: 'main_window', config: 'vite.renderer.config.ts' }],
    }),
    // Flip Electron's fuses at package time: the shipped binary cannot be
    // turned into a plain Node (RunAsNode, NODE_OPTIONS, --inspect) to drive
    // the Docker engine behind the user's back, and loads only its own,
    // integrity-checked app.asar.
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    }),
  ],
};

export default config;
