import type { TFunction } from 'i18next';
import type { AuditEvent, ResponseOf } from '../api/types';
import { configurationName } from '../format';

// The audit trail in words: field names as labels, ids as the names of what they stand for (from the
// labels each page of events carries; an id without one is gone), languages, genders and statuses in
// the reader's language, and who acted as a person, an API account, an operator or a support visit.

export type AuditLabels = ResponseOf<'/api/v1/audit-events'>['labels'];
type Label = AuditLabels[string];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The fields whose values are words of the console, by the i18n group that names them. */
const WORD_VALUES: Record<string, string> = {
  language: 'audit.languages',
  gender: 'user.genders',
  status: 'user.statuses',
  delivery: 'apiAccounts.deliveries',
  warnings: 'apiAccounts.warnings',
};

export function fieldLabel(t: TFunction, field: string): string {
  return t(`audit.fields.${field}`, { defaultValue: field });
}

/** What an id stands for, by name; "(deleted)" when it is gone. */
export function labelText(t: TFunction, id: string, labels: AuditLabels, fallback?: string | null): string {
  const label: Label | undefined = labels[id] ?? labels[id.toLowerCase()];
  if (label === undefined) return fallback ? `${fallback} ${t('audit.deleted')}` : t('audit.deleted');
  if (label.kind === 'rights_configuration') return configurationName(t, { name: label.name, kind: label.key === undefined ? 'custom' : 'standard', key: label.key });
  if (label.kind === 'user' || label.kind === 'entity') return label.detail ? `${label.name} (${label.detail})` : label.name;
  return label.name;
}

/** A catalog application by its name in the reader's language; its key when the catalog has it no more. */
function applicationText(key: string, labels: AuditLabels, language: string): string {
  const label: Label | undefined = labels[key];
  if (label?.kind !== 'application' || label.names === undefined) return key;
  return language.startsWith('fr') ? label.names.fr : label.names.en;
}

/** One recorded value, readable: words translated, ids named, lists joined, nothing as JSON unless unknown. */
export function valueText(t: TFunction, field: string, value: unknown, labels: AuditLabels, language = 'en'): string {
  if (value === null || value === undefined || value === '') return t('common.none');
  if (Array.isArray(value)) {
    if (field === 'steps') return t('audit.stepCount', { count: value.length });
    if (value.length === 0) return t('common.none');
    if (field === 'applications') return value.map((item) => (typeof item === 'string' ? applicationText(item, labels, language) : valueText(t, field, item, labels, language))).join(', ');
    return value.map((item) => valueText(t, field, item, labels, language)).join(', ');
  }
  if (typeof value === 'boolean') return value ? t('audit.yes') : t('audit.no');
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (UUID.test(value)) return labelText(t, value, labels);
    const words = WORD_VALUES[field];
    return words === undefined ? value : t(`${words}.${value}`, { defaultValue: value });
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // An API account's holder: the console user when there is one, else the person as written.
    if (field === 'holder') {
      if (typeof record.userId === 'string') return labelText(t, record.userId, labels, [record.firstName, record.lastName].filter(Boolean).join(' ') || null);
      return [[record.firstName, record.lastName].filter(Boolean).join(' '), record.email].filter(Boolean).join(' · ');
    }
    return Object.entries(record)
      .map(([key, item]) => `${fieldLabel(t, key)}: ${valueText(t, key, item, labels, language)}`)
      .join(', ');
  }
  return String(value);
}

export interface Change {
  field: string;
  label: string;
  /** Absent when the event only says how it is now (a creation) or how it was (a deletion). */
  from?: string;
  to?: string;
}

/** The fields an event records, labelled, each as it was and as it is, in the reader's language. */
export function changesOf(t: TFunction, event: Pick<AuditEvent, 'before' | 'after'>, labels: AuditLabels, language = 'en'): Change[] {
  const before = event.before ?? {};
  const after = event.after ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields
    .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map((field) => ({
      field,
      label: fieldLabel(t, field),
      ...(event.before !== null && field in before ? { from: valueText(t, field, before[field], labels, language) } : {}),
      ...(event.after !== null && field in after ? { to: valueText(t, field, after[field], labels, language) } : {}),
    }));
}

/** Who acted: a person by name, an API account by login, an operator as such, a support visit by its operator and ticket. */
export function actorText(t: TFunction, actor: AuditEvent['actor'], labels: AuditLabels): string {
  if (actor.kind === 'support') return t('audit.supportActor', { operator: actor.operator ?? actor.name, ticket: actor.ticket ?? '—' });
  if (actor.kind === 'operator') return t('audit.operatorActor', { name: actor.name });
  const label = actor.id === null ? undefined : labels[actor.id];
  if (label?.kind === 'api_account') return t('audit.apiAccountActor', { login: label.name });
  if (label?.kind === 'user') return label.name;
  // Gone since: the name recorded then, said to be gone.
  return actor.id === null ? actor.name : `${actor.name} ${t('audit.deleted')}`;
}

/** What the event is about, by its current name when it still exists. */
export function targetText(t: TFunction, target: AuditEvent['target'], labels: AuditLabels): string {
  if (target.kind === 'support_visit') return t('audit.ticketTarget', { ticket: target.name ?? '' });
  if (target.id !== null && UUID.test(target.id) && ['user', 'api_account', 'rights_configuration', 'entity_group', 'entity'].includes(target.kind)) {
    return labelText(t, target.id, labels, target.name);
  }
  return target.name ?? target.id ?? '';
}
