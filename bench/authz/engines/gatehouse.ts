import { compileLicenceSnapshot, decideForUserId, type LicenceSnapshot } from '../../../src/core/decision.ts';
import type { Checks, Dataset } from '../dataset.ts';
import type { AuthorizationEngine } from '../engine.ts';

export function gatehouseEngine(): AuthorizationEngine {
  let snapshots: LicenceSnapshot[] = [];
  return {
    name: 'Gatehouse (src/core/decision.ts)',
    model: 'one compiled snapshot per licence; decideForUserId',
    build(dataset: Dataset) {
      snapshots = dataset.licences.map((licence) => compileLicenceSnapshot(dataset.catalog, licence));
    },
    isAllowed(checks: Checks, i: number) {
      return decideForUserId(snapshots[checks.licence[i] ?? 0] as LicenceSnapshot, checks.userId[i] ?? '', checks.permission[i] ?? '', checks.entity[i]).allowed;
    },
    run(checks: Checks, from: number, to: number) {
      const { licence, userId, permission, entity } = checks;
      let allowed = 0;
      for (let i = from; i < to; i++) {
        if (decideForUserId(snapshots[licence[i] as number] as LicenceSnapshot, userId[i] as string, permission[i] as string, entity[i]).allowed) allowed++;
      }
      return allowed;
    },
  };
}
