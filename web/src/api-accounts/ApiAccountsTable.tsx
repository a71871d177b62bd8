import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime, fullName } from '../format';
import type { ApiAccount } from '../api/types';

// A licence's API accounts as admins and operators both see them; what each may do with an account
// (deactivate it, renew its secret) comes in as the last column.

export function ApiAccountsTable({ accounts, action }: { accounts: readonly ApiAccount[]; action: (account: ApiAccount) => ReactNode }) {
  const { t, i18n } = useTranslation();
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">{t('user.login')}</th>
          <th scope="col">{t('apiAccounts.holder')}</th>
          <th scope="col">{t('user.status')}</th>
          <th scope="col">{t('user.createdAt')}</th>
          <th scope="col">
            <span className="visually-hidden">{t('common.actions')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {accounts.map((account) => (
          <tr key={account.id}>
            <td>{account.login}</td>
            <td>
              {fullName(account.holder)} <span className="muted">{account.holder.email}</span>
            </td>
            <td>
              <span className={`badge ${account.status === 'active' ? 'badge-success' : 'badge-neutral'}`}>{t(`user.statuses.${account.status}`, { defaultValue: account.status })}</span>
            </td>
            <td className="nowrap">{formatDateTime(account.createdAt, i18n.language)}</td>
            <td className="actions-cell">{action(account)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
