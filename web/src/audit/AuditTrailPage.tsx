import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { consoleApi, send } from '../api/client';
import { dayStart, formatDateTime } from '../format';
import type { AuditEvent } from '../api/types';
import { DataTable } from '../ui/DataTable';
import { PagedFooter } from '../ui/PagedFooter';
import { usePaged } from '../ui/usePaged';
import { useDebounced } from '../ui/useLoad';
import { actorText, changesOf, targetText, type AuditLabels } from './auditText';
import './audit.css';

// Every change made by an admin or an operator: who, when, what, before → after; filtered by who,
// what and when, the filtering and the paging done by the server.

/** The actions the server records, offered in the action filter (it matches the exact action). */
export const KNOWN_ACTIONS = [
  'api_account.create',
  'api_account.activate',
  'api_account.deactivate',
  'api_account.rotate_secret',
  'api_account_request.create',
  'api_account_request.reject',
  'catalog.release',
  'entity.create',
  'entity_group.create',
  'licence.create',
  'licence.update',
  'licence.passkey_policy',
  'provisioning-token.create',
  'provisioning-token.revoke',
  'rights_configuration.create',
  'rights_configuration.update',
  'support_visit.open',
  'transfer_box.read',
  'transfer_box.send',
  'user.activate',
  'user.authenticator_remove',
  'user.passkeys_remove',
  'user.passkey_clone_detected',
  'user.create',
  'user.deactivate',
  'user.delete',
  'user.password_reset',
  'user.update',
  'users.password_reset_all',
] as const;

const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 300;

export interface AuditFilters {
  actor: string;
  action: string;
  /** Days as a date input gives them (YYYY-MM-DD), both included; empty for no bound. */
  from: string;
  to: string;
}

/** The query the server reads for the filters: the actor trimmed, the days as instants in local time. */
export function auditQuery(filters: AuditFilters): { actor?: string; action?: string; from?: string; to?: string } {
  const actor = filters.actor.trim();
  const from = dayStart(filters.from);
  const to = dayStart(filters.to, true);
  return {
    ...(actor === '' ? {} : { actor }),
    ...(filters.action === '' ? {} : { action: filters.action }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

function actionLabel(t: TFunction, action: string): string {
  return t(`audit.actions.${action.replaceAll('.', '_')}`, { defaultValue: action });
}

const NO_FILTERS: AuditFilters = { actor: '', action: '', from: '', to: '' };

export function AuditTrailPage() {
  const { t, i18n } = useTranslation();
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  // The typed actor waits for a pause in typing; a picked action or day applies at once.
  const actor = useDebounced(filters.actor, SEARCH_DELAY_MS);
  const query = auditQuery({ ...filters, actor });
  // Each page names the ids its events mention; the names of every page shown so far are kept together.
  const labels = useRef<AuditLabels>({});
  const paged = usePaged(
    (cursor) =>
      send(consoleApi.GET('/api/v1/audit-events', { params: { query: { ...query, limit: PAGE_SIZE, cursor } } })).then((page) => {
        labels.current = { ...labels.current, ...page.labels };
        return page;
      }),
    [query.actor, query.action, query.from, query.to],
  );
  const filtered = Object.keys(query).length > 0;
  const set = (name: keyof AuditFilters) => (value: string) => setFilters((current) => ({ ...current, [name]: value }));
  const actions = KNOWN_ACTIONS.map((action) => ({ value: action, label: actionLabel(t, action) })).sort((a, b) => a.label.localeCompare(b.label, i18n.language));
  const ids = { actor: useId(), action: useId(), from: useId(), to: useId() };
  const rangeWrong = filters.from !== '' && filters.to !== '' && filters.to < filters.from;

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('audit.title')}</h1>
      </header>
      <div className="card">
        <form className="filters" role="search" aria-label={t('audit.filters')} onSubmit={(event) => event.preventDefault()}>
          <div className="field audit-actor-filter">
            <label htmlFor={ids.actor}>{t('audit.actorFilter')}</label>
            <input
              id={ids.actor}
              type="search"
              value={filters.actor}
              onChange={(event) => set('actor')(event.target.value)}
              placeholder={t('audit.actorPlaceholder')}
              autoCapitalize="none"
              spellCheck={false}
            />
          </div>
          <div className="field field-wide">
            <label htmlFor={ids.action}>{t('audit.actionFilter')}</label>
            <select id={ids.action} value={filters.action} onChange={(event) => set('action')(event.target.value)}>
              <option value="">{t('audit.allActions')}</option>
              {actions.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.from}>{t('audit.from')}</label>
            <input id={ids.from} type="date" value={filters.from} max={filters.to || undefined} onChange={(event) => set('from')(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.to}>{t('audit.to')}</label>
            <input
              id={ids.to}
              type="date"
              value={filters.to}
              min={filters.from || undefined}
              onChange={(event) => set('to')(event.target.value)}
              aria-invalid={rangeWrong || undefined}
              aria-describedby={rangeWrong ? `${ids.to}-error` : undefined}
            />
            {rangeWrong ? (
              <p className="field-error" id={`${ids.to}-error`}>
                {t('audit.rangeWrong')}
              </p>
            ) : null}
          </div>
          {Object.values(filters).some((value) => value !== '') ? (
            <button type="button" className="button" onClick={() => setFilters(NO_FILTERS)}>
              {t('audit.clearFilters')}
            </button>
          ) : null}
        </form>
        <div aria-busy={paged.loading}>
          <DataTable
            label={t('audit.title')}
            className="audit-table"
            rows={paged.items}
            rowKey={(event) => event.id}
            columns={[
              { key: 'at', header: t('audit.at'), cell: (event) => formatDateTime(event.at, i18n.language), className: 'nowrap' },
              { key: 'actor', header: t('audit.actor'), cell: (event) => actorText(t, event.actor, labels.current) },
              { key: 'action', header: t('audit.action'), cell: (event) => actionLabel(t, event.action) },
              { key: 'target', header: t('audit.target'), cell: (event) => targetText(t, event.target, labels.current) },
              { key: 'changes', header: t('audit.changes'), cell: (event) => <Changes event={event} labels={labels.current} /> },
            ]}
          />
        </div>
        <PagedFooter paged={paged} emptyText={filtered ? t('audit.noMatch') : t('audit.empty')} />
      </div>
    </section>
  );
}

/** Before → after, one field a line: the old value struck, the new one marked, read as "becomes" aloud. */
function Changes({ event, labels }: { event: AuditEvent; labels: AuditLabels }) {
  const { t, i18n } = useTranslation();
  return (
    <ul className="changes">
      {changesOf(t, event, labels, i18n.language).map((change) => (
        <li key={change.field}>
          <span className="change-field">{change.label}</span> {change.from !== undefined ? <del>{change.from}</del> : null}
          {change.from !== undefined && change.to !== undefined ? (
            <>
              {' '}
              <span aria-hidden="true">→</span>
              <span className="visually-hidden">{t('audit.becomes')}</span>{' '}
            </>
          ) : null}
          {change.to !== undefined ? <ins>{change.to}</ins> : null}
        </li>
      ))}
    </ul>
  );
}
