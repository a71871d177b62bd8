import type { Language } from '../../core/catalog.ts';

/**
 * The language a request prefers among those Gatehouse speaks, from its Accept-Language header (the
 * console sends the one its reader chose): of French and English, the one named with the highest
 * weight (`q`), the first named on a tie; English when it names neither.
 */
export function preferredLanguage(acceptLanguage: string | undefined): Language {
  let best: { language: Language; weight: number } | null = null;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const [range = '', ...parameters] = part.trim().split(';');
    const tag = range.trim().slice(0, 2).toLowerCase();
    if (tag !== 'fr' && tag !== 'en') continue;
    const q = parameters.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((value) => value !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    if (!(weight > 0)) continue;
    if (best === null || weight > best.weight) best = { language: tag, weight };
  }
  return best?.language ?? 'en';
}
