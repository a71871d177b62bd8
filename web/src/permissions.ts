import type { Permissions } from './api/types';

// What menus need from GET /me/permissions: a key of any level (category, application, step) is
// allowed when some granted step lies under it — the same reading as the server's decision.

const within = (key: string, candidate: string) => candidate === key || candidate.startsWith(`${key}.`);

export function canUse(permissions: Permissions, key: string): boolean {
  return permissions.applications.some(
    (application) =>
      within(key, application.key) ||
      application.steps.some((step) => {
        // Steps may come as full keys or as the segment under their application.
        const fullStep = step.includes('.') ? step : `${application.key}.${step}`;
        return within(key, fullStep) || key === fullStep;
      }),
  );
}
