// Numbers and units for the language in use. Units keep their symbols in both
// languages (Mbit/s, ms, KiB are what Chinese networking docs print too);
// words (requests/s, seconds) come from the catalog.
import { currentLanguage, i18n } from './index';

const cache = new Map<string, Intl.NumberFormat>();
function nf(digits: { min?: number; max?: number } = {}): Intl.NumberFormat {
  const lang = currentLanguage();
  const key = `${lang}|${digits.min ?? ''}|${digits.max ?? ''}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang, { minimumFractionDigits: digits.min, maximumFractionDigits: digits.max ?? 3 });
    cache.set(key, f);
  }
  return f;
}

/** 1234567 → "1,234,567"; `fixed` digits after the point (both min and max). */
export function fmtNumber(n: number, fixed?: number): string {
  return fixed === undefined ? nf().format(n) : nf({ min: fixed, max: fixed }).format(n);
}

/** A number and a unit symbol: fmtUnit(12.5, 'ms', 1) → "12.5 ms". */
export function fmtUnit(n: number, unit: string, fixed?: number): string {
  return `${fmtNumber(n, fixed)} ${unit}`;
}

/** 0.123 → "12.3 %" (the app prints a space before %, in both languages). */
export function fmtPercent(ratio: number, fixed = 1): string {
  return `${fmtNumber(ratio * 100, fixed)} %`;
}

/** Bytes in binary units: 1536 → "1.5 KiB". */
export function fmtBytes(b: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = b;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return fmtUnit(v, u[i], i === 0 || v >= 100 ? 0 : 1);
}

/** A duration in milliseconds: 850 → "850 ms", 4200 → "4.2 s". */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return fmtUnit(ms, 'ms', ms < 10 ? 1 : 0);
  return fmtUnit(ms / 1000, 's', 1);
}

/** A date and time in the language's usual form. */
export function fmtDateTime(d: Date | number): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export { i18n };
