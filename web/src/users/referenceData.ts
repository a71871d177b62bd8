import { consoleApi } from '../api';
import type { EntityGroup, Licence, RightsConfiguration } from '../types';

// What the users app needs beside the users: the licence (seats, two-factor), the configurations an
// admin may grant, and the entity groups.

export interface ReferenceData {
  licence: Licence;
  rightsConfigurations: RightsConfiguration[];
  entityGroups: EntityGroup[];
}

export async function loadReferenceData(): Promise<ReferenceData> {
  const [licence, rightsConfigurations, entityGroups] = await Promise.all([
    consoleApi.get<Licence>('/licence'),
    consoleApi.get<RightsConfiguration[]>('/rights-configurations'),
    consoleApi.get<EntityGroup[]>('/entity-groups'),
  ]);
  return { licence, rightsConfigurations, entityGroups };
}
