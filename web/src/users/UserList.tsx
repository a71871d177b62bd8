import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import { configurationName, formatDate, fullName } from '../format';
import { Link } from '../router';
import { PagedFooter } from '../ui/PagedFooter';
import { panelId, tabId, Tabs } from '../ui/Tabs';
import { usePaged } from '../ui/usePaged';
import { useDebounced } from '../ui/useLoad';

// The users list: a debounced search, Active / Deactivated tabs, pages fetched from the server.

const STATUSES = ['active', 'deactivated'] as const;
export type UserStatus = (typeof STATUSES)[number];
const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 300;

interface UserListProps {
  selectedId: string | null;
  status: UserStatus;
  onStatus: (status: UserStatus) => void;
  /** Told the search in force, e.g. so the export follows it. */
  onSearch?: (q: string) => void;
  /** Changes whenever a user was created or changed, so the list reloads. */
  version: number;
}

export function UserList({ selectedId, status, onStatus, onSearch, version }: UserListProps) {
  const { t, i18n } = useTranslation();
  const searchId = useId();
  const [query, setQuery] = useState('');
  const q = useDebounced(query.trim(), SEARCH_DELAY_MS);
  useEffect(() => onSearch?.(q), [q, onSearch]);
  const paged = usePaged((cursor) => send(consoleApi.GET('/api/v1/users', { params: { query: { status, q, limit: PAGE_SIZE, cursor } } })), [status, q, version]);
  const users = paged.items;

  return (
    <div className="user-list">
      <div className="search">
        <label htmlFor={searchId} className="visually-hidden">
          {t('users.search')}
        </label>
        <input id={searchId} type="search" placeholder={t('users.searchPlaceholder')} value={query} onChange={(event) => setQuery(event.target.value)} />
      </div>
      <Tabs id="users" label={t('users.statusTabs')} tabs={STATUSES} current={status} labelOf={(tab) => t(`users.tabs.${tab}`)} onChange={onStatus} />
      <div id={panelId('users')} role="tabpanel" aria-labelledby={tabId('users', status)} aria-busy={paged.loading}>
        <ul className="list" aria-label={t('users.listLabel')}>
          {users.map((user) => (
            <li key={user.id}>
              <Link to={`/users/${user.id}`} className="list-item" aria-current={user.id === selectedId ? 'true' : undefined}>
                <span className="list-item-title">
                  {fullName(user)}
                  {user.protected ? <span className="badge badge-neutral">{t('users.protectedShort')}</span> : null}
                  {user.passwordDueAt ? <span className="badge badge-warning">{t('passwordRenewal.dueBadge', { date: formatDate(user.passwordDueAt, i18n.language) })}</span> : null}
                </span>
                <span className="list-item-sub">
                  {user.login} · {configurationName(t, user.configuration)}
                </span>
              </Link>
            </li>
          ))}
        </ul>
        <PagedFooter paged={paged} emptyText={q ? t('users.noMatch') : t('users.empty')} />
      </div>
    </div>
  );
}
