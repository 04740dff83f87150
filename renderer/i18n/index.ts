// The renderer's one i18next instance. Resources are bundled (the app runs
// offline under a CSP that allows no other origin), so init is synchronous and
// the first render is already in the chosen language.
// The choice is kept in localStorage: Electron keeps it in the profile of the
// app's origin, a browser in that of the web server's (default port 7470).
// `?lang=zh-CN` in the URL wins over the kept choice (tests, screenshots).
import i18next from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { LANGUAGE_KEY, LANGUAGES, resources, type Language } from './resources';

export { LANGUAGE_KEY, LANGUAGES, resources, type Language };
/** Each language's name in itself, for the switch. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };

export const i18n = i18next.createInstance();
void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources,
    supportedLngs: [...LANGUAGES],
    // "zh", "zh-Hans", "zh-SG" → zh-CN; anything else → English
    fallbackLng: (code) => (code && /^zh/i.test(code) ? ['zh-CN', 'en'] : ['en']),
    nonExplicitSupportedLngs: false,
    load: 'currentOnly',
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: false }, // React escapes
    detection: {
      order: ['querystring', 'localStorage', 'navigator'],
      lookupQuerystring: 'lang',
      lookupLocalStorage: LANGUAGE_KEY,
      caches: ['localStorage'],
      convertDetectedLanguage: (l: string) => (/^zh/i.test(l) ? 'zh-CN' : l.startsWith('en') ? 'en' : l),
    },
    react: { useSuspense: false },
  });

/** The language in use, always one of LANGUAGES. */
export function currentLanguage(): Language {
  const l = i18n.resolvedLanguage ?? i18n.language;
  return (LANGUAGES as readonly string[]).includes(l) ? (l as Language) : 'en';
}

/** Switch live and keep the choice (the detector caches it on change). */
export function setLanguage(l: Language): Promise<unknown> {
  return i18n.changeLanguage(l);
}

function markDocument(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = currentLanguage();
}
markDocument();
i18n.on('languageChanged', markDocument);

// Components take the hooks from here: importing this module is what sets the
// instance up, in the app and in unit tests that render a component alone.
export { Trans, useTranslation } from 'react-i18next';
