import { compileCatalog, TAGS, type Catalog, type CompiledCatalog, type Tag } from '../../src/core/catalog.ts';
import type { LicenceSnapshotInput } from '../../src/core/decision.ts';
import { stepsOfConfiguration, type ConfigurationDefinition } from '../../src/core/rights-configurations.ts';

// The benchmark's world, the same for every engine and reproducible from one seed: 100 licences of
// 1,000 users, a catalog of 12 categories × 5 applications × 4 steps, 8 rights configurations and
// 50 entities per licence, and a list of checks of which about half are allowed.

export const SHAPE = {
  licences: 100,
  usersPerLicence: 1000,
  categories: 12,
  applicationsPerCategory: 5,
  stepsPerApplication: 4,
  entitiesPerLicence: 50,
  /** Groups of 1–10 entities, besides the group every entity forms on its own. */
  sharedGroupsPerLicence: 30,
} as const;

/** mulberry32: small, fast and good enough to draw a benchmark from a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const pad = (n: number) => String(n).padStart(2, '0');
/**
 * Names arrive from a database or a JSON request as flat strings; template literals make ropes,
 * which every engine would pay to follow on each lookup. JSON gives back a flat copy.
 */
const flat = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

function benchCatalog(random: Random): Catalog {
  const tagsNow = (chance: number): Tag[] => (random() < chance ? [pick(random, TAGS)] : []);
  return {
    categories: Array.from({ length: SHAPE.categories }, (_, c) => {
      const category = flat(`category-${pad(c + 1)}`);
      return {
        key: category,
        name: { en: category, fr: category },
        // The last category plays the licence configuration: all of it is user management.
        tags: c === SHAPE.categories - 1 ? ['user-management'] : tagsNow(0.15),
        applications: Array.from({ length: SHAPE.applicationsPerCategory }, (_, a) => {
          const application = flat(`${category}.application-${a + 1}`);
          return {
            key: application,
            name: { en: application, fr: application },
            tags: tagsNow(0.2),
            steps: Array.from({ length: SHAPE.stepsPerApplication }, (_, s) => ({
              key: flat(`${application}.step-${s + 1}`),
              name: { en: `step ${s + 1}`, fr: `étape ${s + 1}` },
              tags: tagsNow(0.2),
            })),
          };
        }),
      };
    }),
  };
}

export interface Dataset {
  catalog: CompiledCatalog;
  licences: LicenceSnapshotInput[];
  checks: Checks;
}

/** Checks as parallel arrays, so reading one allocates nothing. */
export interface Checks {
  count: number;
  licence: Uint8Array;
  userId: string[];
  permission: string[];
  /** An entity id or code, or undefined when the check names no entity. */
  entity: (string | undefined)[];
}

const STANDARD_PICKS = ['admin', 'advanced-user', 'user', 'restricted-user', 'reviewer'] as const;

function benchLicence(catalog: CompiledCatalog, random: Random, l: number): LicenceSnapshotInput {
  const licenceId = flat(`licence-${pad(l)}`);
  const applications = [...catalog.applicationCategory.keys()].filter(() => random() < 0.85);
  const allSteps = catalog.steps.map((step) => step.key);
  const configurations: { id: string; definition: ConfigurationDefinition }[] = STANDARD_PICKS.map((key) => ({
    id: flat(`${licenceId}-${key}`),
    definition: { kind: 'standard', key },
  }));
  for (let c = 1; c <= 3; c++) {
    const share = 0.15 + random() * 0.5;
    configurations.push({ id: flat(`${licenceId}-custom-${c}`), definition: { kind: 'custom', steps: allSteps.filter(() => random() < share) } });
  }
  const entities = Array.from({ length: SHAPE.entitiesPerLicence }, (_, e) => ({ id: flat(`${licenceId}-entity-${pad(e)}`), code: flat(`site-${pad(e)}`) }));
  const entityGroups = entities.map((entity) => ({ id: flat(`${entity.id}-alone`), entityIds: [entity.id] }));
  for (let g = 0; g < SHAPE.sharedGroupsPerLicence; g++) {
    const size = 1 + Math.floor(random() * 10);
    const members = new Set<string>();
    while (members.size < size) members.add(pick(random, entities).id);
    entityGroups.push({ id: flat(`${licenceId}-group-${pad(g)}`), entityIds: [...members] });
  }
  const users = Array.from({ length: SHAPE.usersPerLicence }, (_, u) => ({
    id: flat(`${licenceId}-user-${String(u).padStart(4, '0')}`),
    login: flat(`User${u}`),
    status: random() < 0.03 ? ('deactivated' as const) : ('active' as const),
    configurationId: pick(random, configurations).id,
    entityGroupId: pick(random, entityGroups).id,
  }));
  return { licenceId, applications, configurations, entities, entityGroups, users };
}

function benchChecks(catalog: CompiledCatalog, licences: LicenceSnapshotInput[], random: Random, count: number): Checks {
  const steps = catalog.steps.map((step) => step.key);
  const applications = [...catalog.applicationCategory.keys()];
  const categories = [...new Set(catalog.applicationCategory.values())];
  const checks: Checks = { count, licence: new Uint8Array(count), userId: [], permission: [], entity: [] };
  const groupsById = licences.map((licence) => new Map(licence.entityGroups.map((group) => [group.id, group.entityIds])));
  const stepsByConfiguration = licences.map(
    (licence) => new Map(licence.configurations.map(({ id, definition }) => [id, stepsOfConfiguration(definition, catalog)])),
  );
  for (let i = 0; i < count; i++) {
    const l = Math.floor(random() * licences.length);
    const licence = licences[l] as LicenceSnapshotInput;
    const user = pick(random, licence.users);
    checks.licence[i] = l;
    checks.userId.push(random() < 0.01 ? flat(`${licence.licenceId}-user-gone`) : user.id);
    // Services mostly ask about what the user is there to do: two checks in five name a step of their configuration.
    const configured = stepsByConfiguration[l]?.get(user.configurationId) ?? [];
    const kind = random();
    checks.permission.push(
      kind < 0.4 && configured.length > 0
        ? pick(random, configured)
        : kind < 0.8
          ? pick(random, steps)
          : kind < 0.92
            ? pick(random, applications)
            : kind < 0.97
              ? pick(random, categories)
              : 'category-99.application-1.step-1',
    );
    const entityKind = random();
    let entity: string | undefined;
    if (entityKind < 0.3) entity = undefined;
    else if (entityKind < 0.75) entity = pick(random, groupsById[l]?.get(user.entityGroupId) ?? []);
    else if (entityKind < 0.98) entity = pick(random, licence.entities).id;
    else entity = 'site-99';
    // Half of the entities are named by code, as the platform's services may do.
    if (entity !== undefined && random() < 0.5) entity = licence.entities.find((e) => e.id === entity)?.code ?? entity;
    checks.entity.push(entity);
  }
  return checks;
}

export function buildDataset(seed: number, checkCount: number): Dataset {
  const random = seededRandom(seed);
  const catalog = compileCatalog(benchCatalog(random));
  const licences = Array.from({ length: SHAPE.licences }, (_, l) => benchLicence(catalog, random, l));
  return { catalog, licences, checks: benchChecks(catalog, licences, random, checkCount) };
}

/**
 * What the other engines are given: per configuration, the keys it makes usable in its licence
 * (its steps in subscribed applications, and the applications and categories above them). None of
 * them can say "any step under this key is both configured and subscribed" by itself, so this is
 * worked out here, plainly, from the catalog API — not from the engine being measured.
 */
export function usableKeys(catalog: CompiledCatalog, licence: LicenceSnapshotInput, definition: ConfigurationDefinition): string[] {
  const subscribed = new Set(licence.applications);
  const keys = new Set<string>();
  for (const step of stepsOfConfiguration(definition, catalog)) {
    const compiled = catalog.stepsByKey.get(step);
    if (compiled === undefined || !subscribed.has(compiled.application)) continue;
    keys.add(step).add(compiled.application).add(compiled.category);
  }
  return [...keys];
}

/** An entity named by id or by code → its id; a name the licence does not know stays as it is and matches nothing. */
export function entityResolver(licence: LicenceSnapshotInput): ReadonlyMap<string, string> {
  const ids = new Map<string, string>();
  for (const entity of licence.entities) ids.set(entity.code, entity.id);
  for (const entity of licence.entities) ids.set(entity.id, entity.id);
  return ids;
}
