import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import type { User } from '../api/types';
import { configurationName, formatDateTime, fullName } from '../format';
import { navigate } from '../router';
import { useSession } from '../session';
import { ConfirmDialog, type StepUp } from '../ui/ConfirmDialog';
import { useNotify } from '../ui/feedback';
import { MenuButton, type MenuAction } from '../ui/MenuButton';
import { useAction } from '../ui/useSubmit';
import { RemovePasskeysDialog } from './RemovePasskeysDialog';

// One user: their details and what an admin may do to them. The support account is protected: it can
// only be deactivated and reactivated (which cuts the vendor's support off).

interface UserDetailProps {
  user: User;
  onEdit: () => void;
  /** After a change: the new user, or null once deleted. */
  onChanged: (user: User | null) => void;
}

type Confirmation = 'delete' | 'resetPassword' | 'deactivateSupport' | 'removePasskeys' | null;

export function UserDetail({ user, onEdit, onChanged }: UserDetailProps) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const notify = useNotify();
  const [confirming, setConfirming] = useState<Confirmation>(null);
  const action = useAction();
  const busy = action.pending;
  const dash = t('common.none');
  const path = { params: { path: { id: user.id } } };

  // One-click acts tell a refusal in the status region, with the server's own words.
  const activateUser = () =>
    void action.run(async () => {
      const changed = await send(consoleApi.POST('/api/v1/users/{id}/activate', path));
      notify(t('users.activated', { login: user.login }));
      onChanged(changed);
    });
  const deactivateUser = () =>
    void action.run(async () => {
      const changed = await send(consoleApi.POST('/api/v1/users/{id}/deactivate', { ...path, body: {} }));
      notify(t('users.deactivated', { login: user.login }));
      onChanged(changed);
    });
  // Confirmed acts keep a refusal in their dialog, which stays open.
  const deactivateSupport = async ({ currentPassword }: StepUp) => {
    const changed = await send(consoleApi.POST('/api/v1/users/{id}/deactivate', { ...path, body: { currentPassword } }));
    setConfirming(null);
    notify(t('users.deactivated', { login: user.login }));
    onChanged(changed);
  };
  const deleteUser = async () => {
    await send(consoleApi.DELETE('/api/v1/users/{id}', path));
    setConfirming(null);
    notify(t('users.deleted', { login: user.login }));
    onChanged(null);
  };
  const resetPassword = async () => {
    await send(consoleApi.POST('/api/v1/users/{id}/password-reset', path));
    setConfirming(null);
    notify(t('users.passwordResetSent', { email: user.email }));
  };

  const more: MenuAction[] = [];
  if (!user.protected && can('licence-configuration.users.reset-password')) {
    more.push({ key: 'reset', label: t('users.resetPassword'), onSelect: () => setConfirming('resetPassword') });
  }
  if (!user.protected && can('licence-configuration.users.edit')) {
    more.push({ key: 'passkeys', label: t('passkeys.userRemove'), onSelect: () => setConfirming('removePasskeys') });
  }
  if (!user.protected && can('licence-configuration.api-users.request')) {
    more.push({ key: 'api', label: t('users.requestApiAccount'), onSelect: () => navigate(`/api-accounts?request=${encodeURIComponent(user.id)}`) });
  }
  if (!user.protected && can('licence-configuration.users.delete')) {
    more.push({ key: 'delete', label: t('users.delete'), danger: true, onSelect: () => setConfirming('delete') });
  }

  return (
    <article className="user-detail" aria-labelledby="user-detail-title">
      <header className="detail-header">
        <div>
          <h2 id="user-detail-title">{fullName(user)}</h2>
          <p className="detail-sub">
            <span>{user.login}</span>
            <span className={`badge ${user.status === 'active' ? 'badge-success' : 'badge-neutral'}`}>{t(`user.statuses.${user.status}`)}</span>
            {user.internal ? <span className="badge badge-info">{t('users.internal')}</span> : null}
          </p>
        </div>
        <div className="detail-actions">
          {!user.protected && can('licence-configuration.users.edit') ? (
            <button type="button" className="button button-primary" onClick={onEdit} disabled={busy}>
              {t('common.edit')}
            </button>
          ) : null}
          {can('licence-configuration.users.deactivate') ? (
            user.status === 'active' ? (
              <button type="button" className="button" onClick={user.protected ? () => setConfirming('deactivateSupport') : deactivateUser} disabled={busy}>
                {t('users.deactivate')}
              </button>
            ) : (
              <button type="button" className="button" onClick={activateUser} disabled={busy}>
                {t('users.activate')}
              </button>
            )
          ) : null}
          <MenuButton label={t('common.more')} actions={more} />
        </div>
      </header>
      {user.protected ? (
        <div className="notice" role="note">
          <strong>{t('users.protectedTitle')}</strong> {t('users.protectedBody')}
        </div>
      ) : null}
      <dl className="details">
        <dt>{t('user.email')}</dt>
        <dd>{user.email}</dd>
        <dt>{t('user.mobile')}</dt>
        <dd>{user.mobile ?? dash}</dd>
        <dt>{t('user.language')}</dt>
        <dd>{t(`language.names.${user.language}`, { defaultValue: user.language })}</dd>
        <dt>{t('user.gender')}</dt>
        <dd>{user.gender ? t(`user.genders.${user.gender}`) : dash}</dd>
        <dt>{t('user.rightsConfiguration')}</dt>
        <dd>{configurationName(t, user.configuration)}</dd>
        <dt>{t('user.entityGroup')}</dt>
        <dd>{user.entityGroup.name}</dd>
        <dt>{t('user.defaultEntity')}</dt>
        <dd>
          {user.defaultEntity.name} <span className="muted">({user.defaultEntity.code})</span>
        </dd>
        <dt>{t('account.lastConnection')}</dt>
        <dd>{user.lastLoginAt ? formatDateTime(user.lastLoginAt, i18n.language) : t('account.neverConnected')}</dd>
        <dt>{t('user.createdAt')}</dt>
        <dd>{formatDateTime(user.createdAt, i18n.language)}</dd>
      </dl>
      <ConfirmDialog
        open={confirming === 'delete'}
        title={t('users.deleteTitle', { login: user.login })}
        confirmLabel={t('users.deleteConfirm')}
        danger
        onConfirm={deleteUser}
        onCancel={() => setConfirming(null)}
      >
        <p>{t('users.deleteBody', { name: fullName(user) })}</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === 'resetPassword'}
        title={t('users.resetPasswordTitle', { login: user.login })}
        confirmLabel={t('users.resetPasswordConfirm')}
        onConfirm={resetPassword}
        onCancel={() => setConfirming(null)}
      >
        <p>{t('users.resetPasswordBody', { email: user.email })}</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === 'deactivateSupport'}
        title={t('users.deactivateSupportTitle')}
        confirmLabel={t('users.deactivateSupportConfirm')}
        danger
        stepUp
        onConfirm={deactivateSupport}
        onCancel={() => setConfirming(null)}
      >
        <p>{t('users.deactivateSupportBody')}</p>
      </ConfirmDialog>
      <RemovePasskeysDialog user={user} open={confirming === 'removePasskeys'} onClose={() => setConfirming(null)} />
    </article>
  );
}
