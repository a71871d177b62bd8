import type { TFunction } from 'i18next';
import type { LocalizedName } from './api/types';

// Dates, times and names as the reader's language writes them.

export function formatDateTime(iso: string | null | undefined, language: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short' }).format(date);
}

export function formatDate(iso: string | null | undefined, language: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium' }).format(date);
}

export function localized(name: LocalizedName, language: string): string {
  return language === 'fr' ? name.fr : name.en;
}

export function fullName(person: { firstName: string; lastName: string }): string {
  return `${person.firstName} ${person.lastName}`.trim();
}

/** A day picked in a date filter (YYYY-MM-DD), as the instant it starts, or the next day starts, in local time. */
export function dayStart(day: string, next = false): string | undefined {
  if (day === '') return undefined;
  const date = new Date(`${day}T00:00:00`);
  if (Number.isNaN(date.getTime())) return undefined;
  if (next) date.setDate(date.getDate() + 1);
  return date.toISOString();
}

/** The stored names of the standard and internal configurations (and their former names), by key. */
const STANDARD_CONFIGURATION_KEYS: Record<string, string> = {
  admin: 'admin',
  adminuser: 'admin',
  'advanced user': 'advanced-user',
  user: 'user',
  'restricted user': 'restricted-user',
  reviewer: 'reviewer',
  'transfer box': 'transfer-box',
  support: 'support',
  team: 'team',
};

/**
 * A rights configuration's name in the reader's language: the standard and internal ones by their key
 * (or their stored English name when the answer carries no key), a tailor-made one by its own name.
 */
export function configurationName(t: TFunction, configuration: { name: string; kind?: string; key?: string | null | undefined }): string {
  if (configuration.kind === 'custom') return configuration.name;
  const key = configuration.key ?? STANDARD_CONFIGURATION_KEYS[configuration.name.trim().toLowerCase()];
  return key === undefined ? configuration.name : t(`configurationNames.${key}`, { defaultValue: configuration.name });
}
