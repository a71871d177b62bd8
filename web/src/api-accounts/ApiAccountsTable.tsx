import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime, fullName } from '../format';
import type { ApiAccount } from '../api/types';
import { DataTable } from '../ui/DataTable';

// A licence's API accounts as admins and operators both see them; what each may do with an account
// (deactivate it, renew its secret) comes in as the last column.

export function ApiAccountsTable({ accounts, action }: { accounts: readonly ApiAccount[]; action: (account: ApiAccount) => ReactNode }) {
  const { t, i18n } = useTranslation();
  return (
    <DataTable
      label={t('apiAccounts.accounts')}
      rows={accounts}
      rowKey={(account) => account.id}
      columns={[
        { key: 'login', header: t('user.login'), cell: (account) => account.login },
        {
          key: 'holder',
          header: t('apiAccounts.holder'),
          cell: (account) => (
            <>
              {fullName(account.holder)} <span className="muted">{account.holder.email}</span>
            </>
          ),
        },
        {
          key: 'status',
          header: t('user.status'),
          cell: (account) => <span className={`badge ${account.status === 'active' ? 'badge-success' : 'badge-neutral'}`}>{t(`user.statuses.${account.status}`, { defaultValue: account.status })}</span>,
        },
        { key: 'created', header: t('user.createdAt'), cell: (account) => formatDateTime(account.createdAt, i18n.language), className: 'nowrap' },
        { key: 'actions', header: t('common.actions'), hiddenHeader: true, cell: action, className: 'actions-cell' },
      ]}
    />
  );
}
