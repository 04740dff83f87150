// Both catalogs have the same keys and no empty value; their placeholders agree.
import { describe, expect, it } from 'vitest';
import { en } from '../../../renderer/i18n/en';
import { zhCN } from '../../../renderer/i18n/zh-CN';

type Tree = { [k: string]: string | Tree };
function flat(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flat(v, key)) out.set(kk, vv);
  }
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();
const tags = (s: string) => [...s.matchAll(/<(\d+)>/g)].map((m) => m[1]).sort();

describe('i18n catalogs', () => {
  const E = flat(en as unknown as Tree);
  const Z = flat(zhCN as unknown as Tree);

  it('have the same keys', () => {
    expect([...Z.keys()].filter((k) => !E.has(k))).toEqual([]);
    expect([...E.keys()].filter((k) => !Z.has(k))).toEqual([]);
    expect(E.size).toBeGreaterThan(20);
  });

  it('have no empty value', () => {
    for (const [name, m] of [['en', E], ['zh-CN', Z]] as const) expect([...m].filter(([, v]) => !v.trim()).map(([k]) => `${name}:${k}`)).toEqual([]);
  });

  it('use the same placeholders and tags in both languages', () => {
    const bad = [...E].filter(([k, v]) => {
      const z = Z.get(k) ?? '';
      return placeholders(v).join() !== placeholders(z).join() || tags(v).join() !== tags(z).join();
    });
    expect(bad.map(([k]) => k)).toEqual([]);
  });

  it('the Chinese one is Chinese: most values hold CJK characters', () => {
    const cjk = [...Z.values()].filter((v) => /[\u4e00-\u9fff]/.test(v)).length;
    expect(cjk / Z.size).toBeGreaterThan(0.8);
  });
});
