import { consoleApi, send } from '../api/client';
import type { EntityGroup, Licence, RightsConfiguration } from '../api/types';

// What the users app needs beside the users: the licence (seats, two-factor), the configurations an
// admin may grant, and the entity groups.

export interface ReferenceData {
  licence: Licence;
  rightsConfigurations: RightsConfiguration[];
  /** The operator's lists have no `assignable` (operators grant any group); the admins' say which they may grant. */
  entityGroups: (Pick<EntityGroup, 'id' | 'name' | 'entities'> & { assignable?: boolean })[];
}

export async function loadReferenceData(): Promise<ReferenceData> {
  const [licence, rightsConfigurations, entityGroups] = await Promise.all([
    send(consoleApi.GET('/api/v1/licence')),
    send(consoleApi.GET('/api/v1/rights-configurations')),
    send(consoleApi.GET('/api/v1/entity-groups')),
  ]);
  return { licence, rightsConfigurations, entityGroups };
}
