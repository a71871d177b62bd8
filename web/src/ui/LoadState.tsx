import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Loaded } from './useLoad';
import { Alert, problemMessage } from './problems';

/** Shows a loading line, the failure with a retry, or the loaded content. */
export function LoadState<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (loaded.error !== null && loaded.error !== undefined) {
    return (
      <div>
        <Alert>{problemMessage(t, loaded.error)}</Alert>
        <button type="button" className="button" onClick={loaded.reload}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  if (loaded.data === undefined) {
    return (
      <p className="muted" role="status">
        {t('common.loading')}
      </p>
    );
  }
  return <>{children(loaded.data)}</>;
}
