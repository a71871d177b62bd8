import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, fetchContent, send, type ItemContent } from '../api/client';
import type { TransferBoxItem } from '../api/types';
import { formatDateTime } from '../format';
import { DataTable } from '../ui/DataTable';
import { useNotify } from '../ui/feedback';
import { PagedFooter } from '../ui/PagedFooter';
import { problemMessage } from '../ui/problems';
import { usePaged } from '../ui/usePaged';

// My Transfer Box: sensitive items (files, delivered secrets) only I can read; every read is logged.

export function TransferBoxPage() {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const paged = usePaged((cursor) => send(consoleApi.GET('/api/v1/transfer-box', { params: { query: { cursor } } })), []);
  const [opened, setOpened] = useState<{ item: TransferBoxItem; content: ItemContent } | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const openItem = async (item: TransferBoxItem) => {
    setBusyId(item.id);
    try {
      setOpened({ item, content: await fetchContent(item.id) });
      notify(t('transferBox.opened', { name: item.name }), 'info');
      // The read is recorded by the server: show its time in the list.
      paged.reload();
    } catch (error) {
      notify(problemMessage(t, error), 'error');
    } finally {
      setBusyId(null);
    }
  };

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('transferBox.title')}</h1>
      </header>
      <p className="muted">{t('transferBox.intro')}</p>
      {opened ? (
        <section className="card" aria-labelledby="transfer-item-title">
          <h2 id="transfer-item-title">{opened.item.name}</h2>
          {opened.content.kind === 'text' ? (
            <pre className="secret" tabIndex={0}>
              {opened.content.text}
            </pre>
          ) : (
            <a className="button" href={opened.content.url} download={opened.item.name}>
              {t('transferBox.download')}
            </a>
          )}
          <div className="form-actions">
            <button type="button" className="button" onClick={() => setOpened(null)}>
              {t('common.close')}
            </button>
          </div>
        </section>
      ) : null}
      <div className="card">
        <DataTable
          label={t('transferBox.title')}
          rows={paged.items}
          rowKey={(item) => item.id}
          columns={[
            { key: 'name', header: t('transferBox.name'), cell: (item) => item.name },
            { key: 'from', header: t('transferBox.from'), cell: (item) => item.from },
            { key: 'received', header: t('transferBox.received'), className: 'nowrap', cell: (item) => formatDateTime(item.createdAt, i18n.language) },
            { key: 'expires', header: t('transferBox.expires'), className: 'nowrap', cell: (item) => formatDateTime(item.expiresAt, i18n.language) },
            {
              key: 'read',
              header: t('transferBox.read'),
              className: 'nowrap',
              cell: (item) => (item.readAt ? formatDateTime(item.readAt, i18n.language) : <span className="badge badge-info">{t('transferBox.unread')}</span>),
            },
            {
              key: 'actions',
              header: t('common.actions'),
              hiddenHeader: true,
              className: 'actions-cell',
              cell: (item) => (
                <button type="button" className="button button-small" onClick={() => void openItem(item)} disabled={busyId === item.id}>
                  {t('transferBox.open')}
                  <span className="visually-hidden"> {item.name}</span>
                </button>
              ),
            },
          ]}
        />
        <PagedFooter paged={paged} emptyText={t('transferBox.empty')} />
      </div>
    </section>
  );
}
