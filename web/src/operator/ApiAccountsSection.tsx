import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { operatorApi, send } from '../api/client';
import type { ApiAccount } from '../api/types';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { useNotify } from '../ui/feedback';
import { PagedFooter } from '../ui/PagedFooter';
import { Alert, problemMessage } from '../ui/problems';
import { usePaged } from '../ui/usePaged';
import { ApiAccountsTable } from '../api-accounts/ApiAccountsTable';

// A licence's API accounts for the vendor's operators. Renewing a secret makes a new one, delivered to
// the holder like the first (Transfer Box or SMS); the console never sees it, the old one stops working.

type Delivery = 'transfer-box' | 'sms';

export function ApiAccountsSection({ code }: { code: string }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const paged = usePaged((cursor) => send(operatorApi.GET('/operator/v1/licences/{code}/api-accounts', { params: { path: { code }, query: { cursor } } })), [code]);
  const [renewing, setRenewing] = useState<Pick<ApiAccount, 'id' | 'login'> | null>(null);
  const [busy, setBusy] = useState(false);
  // The last renewal, said beside the list as well as in the notice, until the next one.
  const [renewed, setRenewed] = useState<{ login: string; delivery: Delivery } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const deliveryName = (delivery: string) => t(`operator.requests.delivery.${delivery}`, { defaultValue: delivery });

  const renew = async (account: Pick<ApiAccount, 'id' | 'login'>) => {
    setBusy(true);
    setError(null);
    setRenewed(null);
    try {
      const answer = await send(operatorApi.POST('/operator/v1/licences/{code}/api-accounts/{id}/rotate-secret', { params: { path: { code, id: account.id } } }));
      setRenewed({ login: answer.apiAccount.login, delivery: answer.delivery });
      notify(t('operator.apiAccounts.renewed', { login: answer.apiAccount.login, delivery: deliveryName(answer.delivery) }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      setRenewing(null);
    }
  };

  return (
    <section className="card" aria-labelledby="operator-api-accounts-title">
      <h2 id="operator-api-accounts-title">{t('operator.apiAccounts.title')}</h2>
      <p className="muted">{t('operator.apiAccounts.intro')}</p>
      {renewed !== null ? <Alert tone="success">{t('operator.apiAccounts.renewed', { login: renewed.login, delivery: deliveryName(renewed.delivery) })}</Alert> : null}
      {error !== null ? <Alert>{problemMessage(t, error)}</Alert> : null}
      <ApiAccountsTable
        accounts={paged.items}
        action={(account) => (
          <button type="button" className="button button-small" onClick={() => setRenewing(account)} disabled={busy}>
            {t('operator.apiAccounts.renew')}
            <span className="visually-hidden"> {account.login}</span>
          </button>
        )}
      />
      <PagedFooter paged={paged} emptyText={t('apiAccounts.empty')} />
      <ConfirmDialog
        open={renewing !== null}
        title={t('operator.apiAccounts.renewTitle', { login: renewing?.login ?? '' })}
        confirmLabel={t('operator.apiAccounts.renewConfirm')}
        danger
        busy={busy}
        onConfirm={() => {
          if (renewing !== null) void renew(renewing);
        }}
        onCancel={() => setRenewing(null)}
      >
        <p>{t('operator.apiAccounts.renewBody', { login: renewing?.login ?? '' })}</p>
      </ConfirmDialog>
    </section>
  );
}
