import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applicationKeys, compileCatalog, expandPermissionKeys } from './catalog.ts';
import { DEFAULT_CATALOG } from './default-catalog.ts';
import { exceededParts, isSubset, isWithinReach, usableSteps } from './privilege-ceiling.ts';

const catalog = compileCatalog(DEFAULT_CATALOG);
const every = applicationKeys(catalog);
const standard = (key: string) => ({ kind: 'standard' as const, key });
const reach = (steps: Iterable<string>, entities: Iterable<string> = ['main']) => ({ steps: new Set(steps), entities: new Set(entities) });

describe('usable steps', () => {
  it('are the steps a configuration grants in the applications the licence subscribes', () => {
    const subscribed = every.filter((application) => !application.startsWith('sms-campaigns'));
    const steps = usableSteps(standard('admin'), catalog, subscribed);
    expect(steps.size).toBeGreaterThan(0);
    for (const step of steps) expect(step.startsWith('sms-campaigns.')).toBe(false);
    expect([...usableSteps(standard('admin'), catalog, every)].sort()).toEqual(catalog.steps.map((step) => step.key).sort());
  });

  it('leave out a custom configuration’s steps the catalog no longer has', () => {
    const steps = usableSteps({ kind: 'custom', steps: ['reporting.dashboards.view', 'gone.app.step'] }, catalog, every);
    expect([...steps]).toEqual(['reporting.dashboards.view']);
  });
});

describe('the ceiling', () => {
  const admin = usableSteps(standard('admin'), catalog, every);
  const advanced = usableSteps(standard('advanced-user'), catalog, every);
  const userManagementOnly = usableSteps({ kind: 'custom', steps: expandPermissionKeys(catalog, ['licence-configuration']).steps }, catalog, every);

  it('lets an Admin grant every standard configuration within the licence', () => {
    for (const key of ['advanced-user', 'user', 'restricted-user', 'reviewer', 'transfer-box']) {
      expect(isWithinReach(reach(usableSteps(standard(key), catalog, every)), reach(admin))).toBe(true);
    }
  });

  it('stops a user-management-only custom configuration from granting more than itself', () => {
    expect(exceededParts(reach(advanced), reach(userManagementOnly))).toEqual({ steps: true, entities: false });
    expect(exceededParts(reach(admin), reach(userManagementOnly))).toEqual({ steps: true, entities: false });
    expect(isWithinReach(reach(userManagementOnly), reach(userManagementOnly))).toBe(true);
  });

  it('keeps entities to the granter’s own group', () => {
    expect(exceededParts(reach([], ['main', 'second']), reach([], ['main']))).toEqual({ steps: false, entities: true });
    expect(isWithinReach(reach([], ['main']), reach([], ['main', 'second']))).toBe(true);
    expect(isWithinReach(reach([], []), reach([], []))).toBe(true);
  });

  it('is exactly set inclusion', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e')), fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e')), (part, whole) => {
        expect(isSubset(part, new Set(whole))).toBe(part.every((item) => whole.includes(item)));
      }),
      { seed: 9, numRuns: 200 },
    );
  });
});
