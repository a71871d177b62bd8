import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { auditQuery, KNOWN_ACTIONS } from './AuditTrailPage';
import { actorText, changesOf, targetText, type AuditLabels } from './auditText';
import en from '../i18n/en.json';
import fr from '../i18n/fr.json';

const reader = async (language: 'en' | 'fr') => {
  const instance = i18next.createInstance();
  await instance.init({ lng: language, resources: { en: { translation: en }, fr: { translation: fr } }, interpolation: { escapeValue: false } });
  return instance.t;
};

const CONFIG_USER = '11111111-1111-4111-8111-111111111111';
const CONFIG_REVIEWER = '22222222-2222-4222-8222-222222222222';
const GONE_GROUP = '33333333-3333-4333-8333-333333333333';
const ADA = '44444444-4444-4444-8444-444444444444';
const labels: AuditLabels = {
  [CONFIG_USER]: { kind: 'rights_configuration', name: 'User', key: 'user' },
  [CONFIG_REVIEWER]: { kind: 'rights_configuration', name: 'Reviewer', key: 'reviewer' },
  [ADA]: { kind: 'user', name: 'Ada Admin', detail: 'admin' },
  reporting: { kind: 'application', name: 'Reporting', names: { en: 'Reporting', fr: 'Rapports' } },
};

describe('the audit trail shows', () => {
  it('labels for fields, names for ids, words for languages, in the reader\'s language', async () => {
    const event = { before: { configurationId: CONFIG_USER, language: 'en', entityGroupId: GONE_GROUP, lastName: 'Hopper' }, after: { configurationId: CONFIG_REVIEWER, language: 'fr', entityGroupId: GONE_GROUP, lastName: 'Lovelace' } };
    expect(changesOf(await reader('en'), event, labels)).toEqual([
      { field: 'configurationId', label: 'Rights configuration', from: 'User', to: 'Reviewer' },
      { field: 'language', label: 'Language', from: 'English', to: 'French' },
      { field: 'lastName', label: 'Last name', from: 'Hopper', to: 'Lovelace' },
    ]);
    expect(changesOf(await reader('fr'), event, labels).slice(0, 2)).toEqual([
      { field: 'configurationId', label: 'Configuration de droits', from: 'Utilisateur', to: 'Réviseur' },
      { field: 'language', label: 'Langue', from: 'anglais', to: 'français' },
    ]);
  });

  it('what a creation sets, and a gone id as deleted', async () => {
    const t = await reader('en');
    expect(changesOf(t, { before: null, after: { entityGroupId: GONE_GROUP, twoFactor: true, applications: ['reporting', 'forms'] } }, labels)).toEqual([
      { field: 'entityGroupId', label: 'Entity group', to: '(deleted)' },
      { field: 'twoFactor', label: 'Two-factor authentication', to: 'Yes' },
      { field: 'applications', label: 'Applications', to: 'Reporting, forms' },
    ]);
    // By name in the reader's language; a key the catalog no longer has, as it is.
    expect(changesOf(await reader('fr'), { before: { applications: ['forms'] }, after: { applications: ['reporting', 'forms'] } }, labels, 'fr')).toEqual([
      { field: 'applications', label: 'Applications', from: 'forms', to: 'Rapports, forms' },
    ]);
  });

  it('who acted by name: a person, an operator as such, a support visit with its ticket', async () => {
    const t = await reader('en');
    expect(actorText(t, { kind: 'user', id: ADA, name: 'admin', operator: null, ticket: null }, labels)).toBe('Ada Admin');
    expect(actorText(t, { kind: 'user', id: '55555555-5555-4555-8555-555555555555', name: 'gone.user', operator: null, ticket: null }, labels)).toBe('gone.user (deleted)');
    expect(actorText(t, { kind: 'operator', id: null, name: 'acme', operator: null, ticket: null }, labels)).toBe('Vendor operator (token “acme”)');
    expect(actorText(await reader('fr'), { kind: 'support', id: ADA, name: 'Sam (ticket SUP-9)', operator: 'Sam', ticket: 'SUP-9' }, labels)).toBe("Sam, support de l'éditeur, ticket SUP-9");
    expect(targetText(t, { kind: 'user', id: ADA, name: 'admin' }, labels)).toBe('Ada Admin (admin)');
    expect(targetText(t, { kind: 'user', id: '55555555-5555-4555-8555-555555555555', name: 'gone.user' }, labels)).toBe('gone.user (deleted)');
  });
});

describe('the audit trail filters', () => {
  it('send only what is filled in, the actor trimmed', () => {
    expect(auditQuery({ actor: '  ', action: '', from: '', to: '' })).toEqual({});
    expect(auditQuery({ actor: ' alice ', action: 'user.create', from: '', to: '' })).toEqual({ actor: 'alice', action: 'user.create' });
  });

  it('take the days of the range whole, the last one included', () => {
    const query = auditQuery({ actor: '', action: '', from: '2026-03-02', to: '2026-03-02' });
    expect(new Date(query.from ?? '').getTime()).toBe(new Date('2026-03-02T00:00:00').getTime());
    expect(new Date(query.to ?? '').getTime()).toBe(new Date('2026-03-03T00:00:00').getTime());
  });

  it('offer every action with a name of its own in both languages', () => {
    expect(KNOWN_ACTIONS.filter((action) => !(action.replaceAll('.', '_') in en.audit.actions) || !(action.replaceAll('.', '_') in fr.audit.actions))).toEqual([]);
  });
});
