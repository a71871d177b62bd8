import { describe, expect, it } from 'vitest';
import { canUse } from './permissions';

const permissions = {
  applications: [
    { key: 'licence-configuration.users', name: 'Users', category: 'licence-configuration', steps: ['licence-configuration.users.view', 'licence-configuration.users.edit'] },
    { key: 'transfer-box.inbox', name: 'Transfer Box', category: 'transfer-box', steps: ['view'] },
  ],
};

describe('the menus read /me/permissions', () => {
  it('allows a category, an application and a step when a step under it is granted', () => {
    expect(canUse(permissions, 'licence-configuration')).toBe(true);
    expect(canUse(permissions, 'licence-configuration.users')).toBe(true);
    expect(canUse(permissions, 'licence-configuration.users.edit')).toBe(true);
  });

  it('refuses what no granted step lies under', () => {
    expect(canUse(permissions, 'licence-configuration.users.delete')).toBe(false);
    expect(canUse(permissions, 'licence-configuration.audit-trail')).toBe(false);
    expect(canUse(permissions, 'licence-configuration.user')).toBe(false);
  });

  it('reads steps given as segments of their application', () => {
    expect(canUse(permissions, 'transfer-box.inbox.view')).toBe(true);
    expect(canUse(permissions, 'transfer-box')).toBe(true);
  });
});
