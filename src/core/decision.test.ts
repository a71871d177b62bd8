import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCatalog, expandPermissionKeys, TAGS, type Catalog, type CompiledCatalog } from './catalog.ts';
import { DEFAULT_CATALOG } from './default-catalog.ts';
import { referenceDecide, referenceGrantedSteps } from './decision-reference.ts';
import {
  compileLicenceSnapshot,
  decide,
  decideForUserId,
  grantedSteps,
  removeSnapshotUser,
  upsertSnapshotUser,
  type LicenceSnapshotInput,
  type SnapshotUser,
} from './decision.ts';
import { STANDARD_CONFIGURATIONS } from './rights-configurations.ts';

const catalog = compileCatalog(DEFAULT_CATALOG);
const stepsUnder = (...keys: string[]) => expandPermissionKeys(catalog, keys).steps;

const licence: LicenceSnapshotInput = {
  licenceId: 'acme',
  // Everything but SMS campaigns.
  applications: [...catalog.applicationCategory.keys()].filter((application) => application !== 'sms-campaigns.campaigns'),
  configurations: [
    { id: 'admin', definition: { kind: 'standard', key: 'admin' } },
    { id: 'user', definition: { kind: 'standard', key: 'user' } },
    { id: 'reviewer', definition: { kind: 'standard', key: 'reviewer' } },
    { id: 'campaigners', definition: { kind: 'custom', steps: [...stepsUnder('email-campaigns.campaigns', 'sms-campaigns'), 'forms.surveys.view'] } },
  ],
  entities: [
    { id: 'e-paris', code: 'paris' },
    { id: 'e-lyon', code: 'lyon' },
    { id: 'e-nice', code: 'nice' },
  ],
  entityGroups: [
    { id: 'g-paris', entityIds: ['e-paris'] },
    { id: 'g-south', entityIds: ['e-lyon', 'e-nice'] },
    { id: 'g-all', entityIds: ['e-paris', 'e-lyon', 'e-nice'] },
  ],
  users: [
    { id: 'u-alice', login: 'Alice', status: 'active', configurationId: 'admin', entityGroupId: 'g-all' },
    { id: 'u-bob', login: 'bob', status: 'deactivated', configurationId: 'admin', entityGroupId: 'g-all' },
    { id: 'u-carol', login: 'carol', status: 'active', configurationId: 'user', entityGroupId: 'g-south' },
    { id: 'u-dan', login: 'dan', status: 'active', configurationId: 'campaigners', entityGroupId: 'g-paris' },
    { id: 'u-eve', login: 'eve', status: 'active', configurationId: 'reviewer', entityGroupId: 'g-paris' },
  ],
};
const snapshot = compileLicenceSnapshot(catalog, licence);
const reasonFor = (userId: string, permission: string, entity?: string) => decide(snapshot, { id: userId }, permission, entity).reason;

describe('the decision', () => {
  it('allows an active user a step of their configuration in a subscribed application', () => {
    expect(decide(snapshot, { id: 'u-alice' }, 'email-campaigns.campaigns.launch')).toEqual({ allowed: true, reason: 'ok' });
  });

  it('denies a user it does not know', () => expect(reasonFor('u-nobody', 'forms.forms.view')).toBe('unknown_user'));

  it('denies a deactivated user at once, before looking at the permission', () => {
    expect(decide(snapshot, { id: 'u-bob' }, 'forms.forms.view')).toEqual({ allowed: false, reason: 'inactive_user' });
    expect(reasonFor('u-bob', 'no.such.permission')).toBe('inactive_user');
  });

  it('names a permission the catalog does not have', () => expect(reasonFor('u-alice', 'forms.surveys.view')).toBe('unknown_permission'));

  it('denies a step outside the user configuration', () => {
    expect(reasonFor('u-carol', 'licence-configuration.users.create')).toBe('not_in_configuration');
    expect(reasonFor('u-eve', 'email-campaigns.campaigns.view')).toBe('not_in_configuration');
  });

  it('denies a configured step whose application the licence does not subscribe to', () => {
    expect(reasonFor('u-alice', 'sms-campaigns.campaigns.launch')).toBe('application_not_subscribed');
    expect(reasonFor('u-dan', 'sms-campaigns.campaigns.view')).toBe('application_not_subscribed');
  });

  it('allows a category or an application when any step under it is allowed, which is what menus need', () => {
    expect(reasonFor('u-eve', 'reporting')).toBe('ok');
    expect(reasonFor('u-eve', 'reporting.dashboards')).toBe('ok');
    expect(reasonFor('u-dan', 'email-campaigns')).toBe('ok');
    expect(reasonFor('u-carol', 'licence-configuration')).toBe('not_in_configuration');
  });

  it('tells a category with configured steps only in unsubscribed applications apart', () => {
    expect(reasonFor('u-dan', 'sms-campaigns')).toBe('application_not_subscribed');
    expect(reasonFor('u-dan', 'sms-campaigns.campaigns')).toBe('application_not_subscribed');
    expect(reasonFor('u-dan', 'forms')).toBe('not_in_configuration');
  });

  it('allows an entity of the user group, named by id or by code', () => {
    expect(reasonFor('u-carol', 'forms.forms.view', 'e-lyon')).toBe('ok');
    expect(reasonFor('u-carol', 'forms.forms.view', 'nice')).toBe('ok');
  });

  it('denies an entity outside the user group, and one the licence does not have', () => {
    expect(reasonFor('u-carol', 'forms.forms.view', 'paris')).toBe('entity_not_in_group');
    expect(reasonFor('u-carol', 'forms.forms.view', 'e-paris')).toBe('entity_not_in_group');
    expect(reasonFor('u-carol', 'forms.forms.view', 'marseille')).toBe('entity_not_in_group');
  });

  it('checks what before which data: a step outside the configuration is reported before the entity', () => {
    expect(reasonFor('u-eve', 'forms.forms.view', 'lyon')).toBe('not_in_configuration');
  });

  it('finds a user by login whatever its case', () => {
    expect(decide(snapshot, { login: 'ALICE' }, 'forms.forms.view').reason).toBe('ok');
    expect(decide(snapshot, { login: 'alice' }, 'forms.forms.view').reason).toBe('ok');
    expect(decide(snapshot, { login: 'Bob' }, 'forms.forms.view').reason).toBe('inactive_user');
    expect(decide(snapshot, { login: 'mallory' }, 'forms.forms.view').reason).toBe('unknown_user');
  });

  it('answers the same by user id on the fast path', () => {
    expect(decideForUserId(snapshot, 'u-carol', 'forms.forms.view', 'paris').reason).toBe('entity_not_in_group');
    expect(decideForUserId(snapshot, 'u-carol', 'forms.forms.view', 'nice').reason).toBe('ok');
  });

  it('takes any name as a name, even one an object would treat as special', () => {
    const odd = compileLicenceSnapshot(catalog, {
      ...licence,
      entities: [...licence.entities, { id: '__proto__', code: '75001' }, { id: 'e-constructor', code: 'constructor' }],
      entityGroups: [{ id: 'g-odd', entityIds: ['__proto__', 'e-constructor'] }],
      users: [{ id: 'toString', login: 'hasOwnProperty', status: 'active', configurationId: 'admin', entityGroupId: 'g-odd' }],
    });
    expect(decideForUserId(odd, 'toString', 'forms.forms.view', '__proto__').reason).toBe('ok');
    expect(decideForUserId(odd, 'toString', 'forms.forms.view', '75001').reason).toBe('ok');
    expect(decideForUserId(odd, 'toString', 'forms.forms.view', 'constructor').reason).toBe('ok');
    expect(decideForUserId(odd, 'toString', 'forms.forms.view', 'paris').reason).toBe('entity_not_in_group');
    expect(decideForUserId(odd, 'toString', 'forms.forms.view', 'valueOf').reason).toBe('entity_not_in_group');
    expect(decide(odd, { login: 'HASOWNPROPERTY' }, 'forms.forms.view').reason).toBe('ok');
    for (const name of ['__proto__', 'constructor', 'valueOf', '0']) {
      expect(decideForUserId(odd, name, 'forms.forms.view').reason).toBe('unknown_user');
      expect(decideForUserId(odd, 'toString', name).reason).toBe('unknown_permission');
    }
  });

  it('lists the steps a user may use: configuration and subscriptions together', () => {
    expect([...(grantedSteps(snapshot, 'u-dan') ?? [])].sort()).toEqual(stepsUnder('email-campaigns.campaigns'));
    expect(grantedSteps(snapshot, 'u-bob')?.size).toBe(0);
    expect(grantedSteps(snapshot, 'u-nobody')).toBeNull();
  });
});

describe('keeping a snapshot current', () => {
  it('denies a user as soon as they are deactivated, and forgets a deleted one', () => {
    const live = compileLicenceSnapshot(catalog, licence);
    upsertSnapshotUser(live, { id: 'u-carol', login: 'carol', status: 'deactivated', configurationId: 'user', entityGroupId: 'g-south' });
    expect(decide(live, { login: 'carol' }, 'forms.forms.view').reason).toBe('inactive_user');
    removeSnapshotUser(live, 'u-carol');
    expect(decide(live, { id: 'u-carol' }, 'forms.forms.view').reason).toBe('unknown_user');
    expect(decide(live, { login: 'carol' }, 'forms.forms.view').reason).toBe('unknown_user');
  });

  it('gives a moved user the new configuration and entity group', () => {
    const live = compileLicenceSnapshot(catalog, licence);
    upsertSnapshotUser(live, { id: 'u-eve', login: 'eve', status: 'active', configurationId: 'user', entityGroupId: 'g-south' });
    expect(decide(live, { id: 'u-eve' }, 'forms.forms.edit', 'lyon').reason).toBe('ok');
    expect(decide(live, { id: 'u-eve' }, 'forms.forms.edit', 'paris').reason).toBe('entity_not_in_group');
  });
});

describe('an application released later', () => {
  const released: Catalog = structuredClone(DEFAULT_CATALOG);
  released.categories.find((category) => category.key === 'forms')?.applications.push({
    key: 'forms.surveys',
    name: { en: 'Surveys', fr: 'Enquêtes' },
    tags: [],
    steps: [{ key: 'forms.surveys.view', name: { en: 'View', fr: 'Consulter' }, tags: [] }],
  });
  const newCatalog = compileCatalog(released);
  const subscribed = compileLicenceSnapshot(newCatalog, { ...licence, applications: [...licence.applications, 'forms.surveys'] });

  it('joins a standard configuration on its own', () => {
    expect(decide(subscribed, { id: 'u-carol' }, 'forms.surveys.view').reason).toBe('ok');
  });

  it('does not join a custom configuration, even one that listed its key ahead of time', () => {
    const custom = compileLicenceSnapshot(newCatalog, {
      ...licence,
      applications: [...licence.applications, 'forms.surveys'],
      configurations: [{ id: 'campaigners', definition: { kind: 'custom', steps: [...stepsUnder('email-campaigns'), 'forms'] } }],
    });
    expect(decide(custom, { id: 'u-dan' }, 'forms.surveys.view').reason).toBe('not_in_configuration');
    expect(decide(custom, { id: 'u-dan' }, 'email-campaigns.campaigns.view').reason).toBe('ok');
  });

  it('is not usable until the licence subscribes to it', () => {
    const unsubscribed = compileLicenceSnapshot(newCatalog, licence);
    expect(decide(unsubscribed, { id: 'u-carol' }, 'forms.surveys.view').reason).toBe('application_not_subscribed');
  });
});

describe('a licence snapshot', () => {
  // Its build time is measured in bench/authz, not here: timings do not belong in unit tests.
  it('builds for 1,000 users, 8 configurations and 50 entities and answers for every one of them', () => {
    const entities = Array.from({ length: 50 }, (_, i) => ({ id: `e-${i}`, code: `entity-${i}` }));
    const input: LicenceSnapshotInput = {
      licenceId: 'big',
      applications: [...catalog.applicationCategory.keys()],
      configurations: STANDARD_CONFIGURATIONS.map(({ kind, key }) => ({ id: key, definition: { kind, key } })),
      entities,
      entityGroups: entities.map((entity, i) => ({ id: `g-${i}`, entityIds: entities.slice(i, i + 1 + (i % 10)).map((e) => e.id) })),
      users: Array.from({ length: 1000 }, (_, i) => ({
        id: `u-${i}`,
        login: `user-${i}`,
        status: 'active',
        configurationId: STANDARD_CONFIGURATIONS[i % 8]?.key ?? 'admin',
        entityGroupId: `g-${i % 50}`,
      })),
    };
    const snapshot = compileLicenceSnapshot(catalog, input);
    for (const user of input.users) {
      const group = input.entityGroups.find((g) => g.id === user.entityGroupId)!;
      expect(decideForUserId(snapshot, user.id, 'reporting', group.entityIds[0])).toEqual(referenceDecide(catalog, input, { id: user.id }, 'reporting', group.entityIds[0]));
      expect(decide(snapshot, { login: user.login.toUpperCase() }, 'forms.forms.edit', 'entity-49')).toEqual(referenceDecide(catalog, input, { id: user.id }, 'forms.forms.edit', 'entity-49'));
    }
  });
});

// Property: over random catalogs and licences, the engine answers exactly as the reference does.

const tagsArb = fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 2, arbitrary: fc.subarray([...TAGS], { maxLength: 2 }) });

const catalogArb: fc.Arbitrary<CompiledCatalog> = fc
  .array(fc.array(fc.array(tagsArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) =>
    fc.tuple(...shape.map(() => fc.tuple(tagsArb, fc.array(tagsArb, { minLength: 4, maxLength: 4 })))).map((nodeTags): Catalog => ({
      categories: shape.map((applications, c) => ({
        key: `c${c}`,
        name: { en: `C${c}`, fr: `C${c}` },
        tags: nodeTags[c]?.[0] ?? [],
        applications: applications.map((steps, a) => ({
          key: `c${c}.a${a}`,
          name: { en: `A${a}`, fr: `A${a}` },
          tags: nodeTags[c]?.[1][a] ?? [],
          steps: steps.map((tags, s) => ({ key: `c${c}.a${a}.s${s}`, name: { en: `S${s}`, fr: `S${s}` }, tags })),
        })),
      })),
    })),
  )
  .map(compileCatalog);

const keysOf = (compiled: CompiledCatalog) => [...compiled.stepsUnder.keys()];
// Steps a custom configuration may still list after the catalog lost them, and keys nobody knows.
const GHOST_KEYS = ['c0.a0.s9', 'c0.a9', 'c9', 'nope'];

function licenceArb(compiled: CompiledCatalog): fc.Arbitrary<LicenceSnapshotInput> {
  const applications = [...compiled.applicationCategory.keys()];
  const permissionKeys = [...keysOf(compiled), ...GHOST_KEYS];
  const definition = fc.oneof(
    fc.constantFrom(...STANDARD_CONFIGURATIONS).map(({ kind, key }) => ({ kind, key })),
    fc.subarray(permissionKeys).map((steps) => ({ kind: 'custom' as const, steps })),
  );
  return fc
    .record({
      applications: fc.subarray([...applications, 'c9.a9']),
      definitions: fc.array(definition, { minLength: 1, maxLength: 5 }),
      entityCount: fc.integer({ min: 0, max: 6 }),
      // Now and then an entity's code is another entity's id, which must not shadow it.
      codeShadowsId: fc.boolean(),
    })
    .chain(({ applications, definitions, entityCount, codeShadowsId }) => {
      const entities = Array.from({ length: entityCount }, (_, i) => ({
        id: `e${i}`,
        code: codeShadowsId && i === entityCount - 1 ? 'e0' : `code${i}`,
      }));
      const groupIds = ['g0', 'g1', 'g2', 'g3'];
      const user = (i: number) =>
        fc.record({
          id: fc.constant(`u${i}`),
          login: fc.mixedCase(fc.constant(`user${i}`)),
          status: fc.constantFrom('active' as const, 'active' as const, 'deactivated' as const),
          configurationId: fc.constantFrom(...definitions.map((_, k) => `r${k}`), 'r-missing'),
          entityGroupId: fc.constantFrom(...groupIds, 'g-missing'),
        });
      return fc.record({
        licenceId: fc.constant('licence'),
        applications: fc.constant(applications),
        configurations: fc.constant(definitions.map((d, k) => ({ id: `r${k}`, definition: d }))),
        entities: fc.constant(entities),
        entityGroups: fc.tuple(...groupIds.map((id) => fc.subarray([...entities.map((e) => e.id), 'e-unknown']).map((entityIds) => ({ id, entityIds })))),
        users: fc.integer({ min: 0, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => user(i)))),
      });
    });
}

interface Check {
  user: { id: string } | { login: string };
  permission: string;
  entity: string | undefined;
}

function checksArb(compiled: CompiledCatalog, input: LicenceSnapshotInput): fc.Arbitrary<Check[]> {
  const entityNames = input.entities.flatMap((e) => [e.id, e.code]);
  const check = fc.record({
    user: fc.oneof(
      fc.integer({ min: 0, max: 7 }).map((i) => ({ id: `u${i}` })),
      fc.integer({ min: 0, max: 7 }).chain((i) => fc.mixedCase(fc.constant(`user${i}`))).map((login) => ({ login })),
    ),
    permission: fc.constantFrom(...keysOf(compiled), ...GHOST_KEYS),
    entity: fc.option(fc.constantFrom(...entityNames, 'zz', 'CODE0'), { nil: undefined }),
  });
  return fc.array(check, { minLength: 20, maxLength: 60 });
}

const scenarioArb = catalogArb.chain((compiled) =>
  licenceArb(compiled).chain((input) => checksArb(compiled, input).map((checks) => ({ compiled, input, checks }))),
);

describe('the decision engine against the reference', () => {
  it('gives the same answer for every check', () => {
    fc.assert(
      fc.property(scenarioArb, ({ compiled, input, checks }) => {
        const engine = compileLicenceSnapshot(compiled, input);
        for (const { user, permission, entity } of checks) {
          expect(decide(engine, user, permission, entity), JSON.stringify({ user, permission, entity })).toEqual(
            referenceDecide(compiled, input, user, permission, entity),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('lists the same granted steps for every user', () => {
    fc.assert(
      fc.property(scenarioArb, ({ compiled, input }) => {
        const engine = compileLicenceSnapshot(compiled, input);
        for (const id of ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
          const expected = referenceGrantedSteps(compiled, input, id);
          const actual = grantedSteps(engine, id);
          expect(actual === null ? null : [...actual].sort()).toEqual(expected === null ? null : [...expected].sort());
        }
      }),
      { numRuns: 200 },
    );
  });

  it('answers after a user is changed or deleted as a snapshot rebuilt from scratch would', () => {
    const changeArb = scenarioArb.chain((scenario) =>
      fc.record({
        scenario: fc.constant(scenario),
        changed: fc.record({
          id: fc.constantFrom('u0', 'u1', 'u7'),
          status: fc.constantFrom('active' as const, 'deactivated' as const),
          configurationId: fc.constantFrom('r0', 'r1', 'r-missing'),
          entityGroupId: fc.constantFrom('g0', 'g1', 'g-missing'),
        }),
        deleted: fc.constantFrom<string>('u1', 'u3', 'u9'),
      }),
    );
    fc.assert(
      fc.property(changeArb, ({ scenario: { compiled, input, checks }, changed, deleted }) => {
        const changedUser: SnapshotUser = { ...changed, login: `user${changed.id.slice(1)}` };
        const users = input.users.filter((u) => u.id !== changed.id && u.id !== deleted);
        const after: LicenceSnapshotInput = { ...input, users: changed.id === deleted ? users : [...users, changedUser] };
        const live = compileLicenceSnapshot(compiled, input);
        upsertSnapshotUser(live, changedUser);
        removeSnapshotUser(live, deleted);
        for (const { user, permission, entity } of checks) {
          expect(decide(live, user, permission, entity)).toEqual(referenceDecide(compiled, after, user, permission, entity));
        }
      }),
      { numRuns: 200 },
    );
  });
});
