import { useTranslation } from 'react-i18next';
import type { Paged } from './usePaged';
import { Alert, problemMessage } from './problems';

/** Under a paged list: its failure, "Load more" while the server has more, and a loading line. */
export function PagedFooter<T>({ paged, emptyText }: { paged: Paged<T>; emptyText: string }) {
  const { t } = useTranslation();
  return (
    <>
      {paged.error ? <Alert>{problemMessage(t, paged.error)}</Alert> : null}
      {!paged.loading && !paged.error && paged.items.length === 0 ? <p className="muted empty">{emptyText}</p> : null}
      {paged.nextCursor !== null ? (
        <button type="button" className="button button-wide load-more" onClick={paged.loadMore} disabled={paged.loading}>
          {t('common.loadMore')}
        </button>
      ) : null}
      {paged.loading ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : null}
    </>
  );
}
