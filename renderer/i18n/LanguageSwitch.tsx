// The language switch in the toolbar: live, and kept (see ./index).
import { useTranslation } from 'react-i18next';
import { currentLanguage, LANGUAGE_NAMES, LANGUAGES, setLanguage, type Language } from './index';

export function LanguageSwitch() {
  const { t } = useTranslation();
  return (
    <select
      className="tb-select"
      aria-label={t('common.language')}
      title={t('common.language')}
      data-testid="language-select"
      value={currentLanguage()}
      onChange={(e) => void setLanguage(e.target.value as Language)}
    >
      {LANGUAGES.map((l) => (
        <option key={l} value={l} lang={l}>
          {LANGUAGE_NAMES[l]}
        </option>
      ))}
    </select>
  );
}
