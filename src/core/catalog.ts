// The permission catalog: the platform's applications as a tree category → application → step.
// Keys are full dotted paths; a node's tags apply to everything under it.

export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];
export type LocalizedName = Record<Language, string>;

export const TAGS = [
  'user-management',
  'exports-data',
  'structure-change',
  'mass-import',
  'html-library',
  'testing-groups',
  'sends-campaign',
  'saved-targeting',
  'reporting',
  'transfer-box',
] as const;
export type Tag = (typeof TAGS)[number];

export interface CatalogStep {
  key: string;
  name: LocalizedName;
  tags: string[];
}
export interface CatalogApplication {
  key: string;
  name: LocalizedName;
  tags: string[];
  steps: CatalogStep[];
}
export interface CatalogCategory {
  key: string;
  name: LocalizedName;
  tags: string[];
  applications: CatalogApplication[];
}
export interface Catalog {
  categories: CatalogCategory[];
}

/** A step with the tags it carries itself and inherits from its application and category. */
export interface CompiledStep {
  key: string;
  application: string;
  category: string;
  tags: ReadonlySet<string>;
}

/** The catalog indexed for lookups: every key of every level, and the steps under it. */
export interface CompiledCatalog {
  readonly source: Catalog;
  readonly steps: readonly CompiledStep[];
  readonly stepsByKey: ReadonlyMap<string, CompiledStep>;
  /** Every category, application and step key → the step keys under it (a step maps to itself). */
  readonly stepsUnder: ReadonlyMap<string, readonly string[]>;
  /** Application key → its category key. */
  readonly applicationCategory: ReadonlyMap<string, string>;
}

export interface CatalogProblem {
  path: string;
  message: string;
}

const KEY_SEGMENT = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Lists what is wrong with a catalog: keys that are not dotted paths of their parents, duplicates, unknown tags. */
export function validateCatalog(catalog: Catalog): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const seen = new Set<string>();
  const checkNode = (path: string, key: string, parent: string | null, tags: string[]) => {
    const expectedPrefix = parent === null ? '' : `${parent}.`;
    const lastSegment = key.slice(expectedPrefix.length);
    if (!key.startsWith(expectedPrefix) || !KEY_SEGMENT.test(lastSegment)) {
      problems.push({ path: `${path}.key`, message: `"${key}" must be ${expectedPrefix || ''}<segment> in lowercase words joined by hyphens` });
    }
    if (seen.has(key)) problems.push({ path: `${path}.key`, message: `"${key}" appears twice` });
    seen.add(key);
    tags.forEach((tag, i) => {
      if (!(TAGS as readonly string[]).includes(tag)) problems.push({ path: `${path}.tags[${i}]`, message: `unknown tag "${tag}"` });
    });
  };
  catalog.categories.forEach((category, c) => {
    const categoryPath = `categories[${c}]`;
    checkNode(categoryPath, category.key, null, category.tags);
    category.applications.forEach((application, a) => {
      const applicationPath = `${categoryPath}.applications[${a}]`;
      checkNode(applicationPath, application.key, category.key, application.tags);
      if (application.steps.length === 0) problems.push({ path: `${applicationPath}.steps`, message: 'an application has at least one step' });
      application.steps.forEach((step, s) => checkNode(`${applicationPath}.steps[${s}]`, step.key, application.key, step.tags));
    });
  });
  return problems;
}

export function compileCatalog(catalog: Catalog): CompiledCatalog {
  const steps: CompiledStep[] = [];
  const stepsUnder = new Map<string, string[]>();
  const applicationCategory = new Map<string, string>();
  for (const category of catalog.categories) {
    const categorySteps: string[] = [];
    stepsUnder.set(category.key, categorySteps);
    for (const application of category.applications) {
      const applicationSteps: string[] = [];
      stepsUnder.set(application.key, applicationSteps);
      applicationCategory.set(application.key, category.key);
      for (const step of application.steps) {
        const tags = new Set([...category.tags, ...application.tags, ...step.tags]);
        steps.push({ key: step.key, application: application.key, category: category.key, tags });
        stepsUnder.set(step.key, [step.key]);
        applicationSteps.push(step.key);
        categorySteps.push(step.key);
      }
    }
  }
  return {
    source: catalog,
    steps,
    stepsByKey: new Map(steps.map((step) => [step.key, step])),
    stepsUnder,
    applicationCategory,
  };
}

/** Expands keys of any level to the step keys under them; keys the catalog does not know are returned apart. */
export function expandPermissionKeys(catalog: CompiledCatalog, keys: readonly string[]): { steps: string[]; unknown: string[] } {
  const steps = new Set<string>();
  const unknown: string[] = [];
  for (const key of keys) {
    const under = catalog.stepsUnder.get(key);
    if (under === undefined) unknown.push(key);
    else under.forEach((step) => steps.add(step));
  }
  return { steps: [...steps].sort(), unknown };
}

export function applicationKeys(catalog: CompiledCatalog): string[] {
  return [...catalog.applicationCategory.keys()];
}

/** The application a key of any level belongs to, or null for a category or an unknown key. */
export function applicationOf(catalog: CompiledCatalog, key: string): string | null {
  if (catalog.applicationCategory.has(key)) return key;
  return catalog.stepsByKey.get(key)?.application ?? null;
}
