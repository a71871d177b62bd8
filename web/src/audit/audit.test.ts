import { describe, expect, it } from 'vitest';
import { auditQuery, changesOf, describeParty, KNOWN_ACTIONS } from './AuditTrailPage';
import en from '../i18n/en.json';
import fr from '../i18n/fr.json';

describe('the audit trail shows', () => {
  it('only the fields that changed, old and new', () => {
    expect(changesOf({ status: 'active', login: 'ana' }, { status: 'deactivated', login: 'ana' })).toEqual([{ field: 'status', from: 'active', to: 'deactivated' }]);
    expect(changesOf(null, { twoFactor: true })).toEqual([{ field: 'twoFactor', from: '—', to: 'true' }]);
  });

  it('an actor or target given as text or as an object', () => {
    expect(describeParty('operator:alice')).toBe('operator:alice');
    expect(describeParty({ kind: 'user', login: 'ana' })).toBe('ana');
    expect(describeParty(null)).toBe('');
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
