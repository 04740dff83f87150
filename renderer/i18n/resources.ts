// The catalogs, side-effect free: the app's instance (./index) and the tests read them.
import { en } from './en';
import { zhCN } from './zh-CN';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
/** where the choice is kept */
export const LANGUAGE_KEY = 'lblab.language';
export const resources = { en: { translation: en }, 'zh-CN': { translation: zhCN } } as const;
