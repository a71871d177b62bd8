import { describe, expect, it } from 'vitest';
import { compileCatalog, expandPermissionKeys, validateCatalog, type Catalog } from './catalog.ts';
import { DEFAULT_CATALOG } from './default-catalog.ts';
import { STANDARD_CONFIGURATIONS, isAssignableByAdmins, stepsOfConfiguration } from './rights-configurations.ts';

const catalog = compileCatalog(DEFAULT_CATALOG);
const all = catalog.steps.map((step) => step.key);
const under = (...keys: string[]) => expandPermissionKeys(catalog, keys).steps;
const without = (steps: string[], removed: string[]) => steps.filter((step) => !removed.includes(step)).sort();
const stepsOf = (key: string) => stepsOfConfiguration({ kind: 'standard', key }, catalog).sort();

const userManagement = under('licence-configuration');
const advancedUser = without(all, userManagement);
const user = without(advancedUser, [
  'profiles.profile-tables.structure',
  'profiles.custom-data-tables.structure',
  ...under('profiles.data-exports', 'profiles.mass-imports', 'email-campaigns.html-library', 'email-campaigns.testing-groups'),
]);
const restrictedUser = without(user, [
  'email-campaigns.campaigns.launch',
  'sms-campaigns.campaigns.launch',
  'scenarios.scenarios.activate',
  ...under('targeting.saved-targetings'),
]);

describe('the default catalog', () => {
  it('is a valid tree of dotted keys with known tags', () => {
    expect(validateCatalog(DEFAULT_CATALOG)).toEqual([]);
  });

  it('tags the whole licence configuration category user-management', () => {
    expect(userManagement.length).toBeGreaterThan(0);
    for (const step of userManagement) expect(catalog.stepsByKey.get(step)?.tags.has('user-management')).toBe(true);
  });
});

describe('standard configurations', () => {
  it('Admin has every step', () => expect(stepsOf('admin')).toEqual([...all].sort()));
  it('Advanced user has everything but user management', () => expect(stepsOf('advanced-user')).toEqual(advancedUser));
  it('User loses structure changes, exports, imports, the HTML library and testing groups', () =>
    expect(stepsOf('user')).toEqual(user));
  it('Restricted user also loses sending campaigns and saved targetings', () =>
    expect(stepsOf('restricted-user')).toEqual(restrictedUser));
  it('Reviewer only reads reporting', () => expect(stepsOf('reviewer')).toEqual(under('reporting').sort()));
  it('Transfer box only has the Transfer Box', () => expect(stepsOf('transfer-box')).toEqual(under('transfer-box').sort()));
  it('Support has everything but data exports', () => expect(stepsOf('support')).toEqual(without(all, under('profiles.data-exports'))));
  it('Team has everything but user management', () => expect(stepsOf('team')).toEqual(advancedUser));

  it('lets admins grant every standard configuration but Admin, Support and Team', () => {
    const assignable = STANDARD_CONFIGURATIONS.filter((c) => isAssignableByAdmins({ kind: c.kind, key: c.key })).map((c) => c.key);
    expect(assignable).toEqual(['advanced-user', 'user', 'restricted-user', 'reviewer', 'transfer-box']);
    expect(isAssignableByAdmins({ kind: 'custom', steps: [] })).toBe(true);
  });
});

describe('a catalog release', () => {
  const released: Catalog = structuredClone(DEFAULT_CATALOG);
  released.categories.find((category) => category.key === 'email-campaigns')?.applications.push({
    key: 'email-campaigns.ab-tests',
    name: { en: 'A/B tests', fr: 'Tests A/B' },
    tags: [],
    steps: [
      { key: 'email-campaigns.ab-tests.view', name: { en: 'View', fr: 'Consulter' }, tags: [] },
      { key: 'email-campaigns.ab-tests.launch', name: { en: 'Launch', fr: 'Lancer' }, tags: ['sends-campaign'] },
    ],
  });
  const newCatalog = compileCatalog(released);

  it('joins the standard configurations by their rules', () => {
    const user = stepsOfConfiguration({ kind: 'standard', key: 'user' }, newCatalog);
    expect(user).toContain('email-campaigns.ab-tests.launch');
    const restricted = stepsOfConfiguration({ kind: 'standard', key: 'restricted-user' }, newCatalog);
    expect(restricted).toContain('email-campaigns.ab-tests.view');
    expect(restricted).not.toContain('email-campaigns.ab-tests.launch');
  });

  it('does not join a custom configuration frozen before it', () => {
    const frozen = expandPermissionKeys(catalog, ['email-campaigns']).steps;
    const custom = stepsOfConfiguration({ kind: 'custom', steps: frozen }, newCatalog);
    expect(custom).toEqual(frozen);
    expect(custom).not.toContain('email-campaigns.ab-tests.view');
  });
});

describe('expanding permission keys', () => {
  it('expands categories and applications to their steps and reports unknown keys', () => {
    const { steps, unknown } = expandPermissionKeys(catalog, ['forms.forms', 'reporting.dashboards.view', 'nope']);
    expect(steps).toEqual(['forms.forms.create', 'forms.forms.edit', 'forms.forms.publish', 'forms.forms.view', 'reporting.dashboards.view']);
    expect(unknown).toEqual(['nope']);
  });

  it('reports keys that do not extend their parent', () => {
    const broken: Catalog = { categories: [{ key: 'a', name: { en: 'A', fr: 'A' }, tags: ['nope'], applications: [
      { key: 'b.x', name: { en: 'X', fr: 'X' }, tags: [], steps: [] },
    ] }] };
    expect(validateCatalog(broken).map((p) => p.path)).toEqual(['categories[0].tags[0]', 'categories[0].applications[0].key', 'categories[0].applications[0].steps']);
  });
});
