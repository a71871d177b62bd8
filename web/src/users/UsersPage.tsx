import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi } from '../api';
import { navigate } from '../router';
import { useSession } from '../session';
import type { User } from '../types';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { useNotify } from '../ui/feedback';
import { LoadState } from '../ui/LoadState';
import { MenuButton, type MenuAction } from '../ui/MenuButton';
import { problemMessage } from '../ui/problems';
import { useLoad } from '../ui/useLoad';
import { loadReferenceData, type ReferenceData } from './referenceData';
import { UserDetail } from './UserDetail';
import { UserForm } from './UserForm';
import { UserList, type UserStatus } from './UserList';

// The users app of licence admins: the list on the left, the selected user (or the form) on the right.

const NEW = 'new';

export function UsersPage({ userId }: { userId: string | null }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const notify = useNotify();
  const reference = useLoad(loadReferenceData, []);
  const [status, setStatus] = useState<UserStatus>('active');
  const [listVersion, setListVersion] = useState(0);
  const [confirmResetAll, setConfirmResetAll] = useState(false);
  const [busy, setBusy] = useState(false);

  const changed = () => {
    setListVersion((version) => version + 1);
    reference.reload();
  };

  const resetAllPasswords = async () => {
    setBusy(true);
    try {
      const { count } = await consoleApi.post<{ count: number }>('/users/password-reset');
      notify(t('users.resetAllDone', { count }));
    } catch (error) {
      notify(problemMessage(t, error), 'error');
    } finally {
      setBusy(false);
      setConfirmResetAll(false);
    }
  };

  const more: MenuAction[] = [];
  if (can('licence-configuration.users.reset-password')) more.push({ key: 'reset-all', label: t('users.resetAll'), onSelect: () => setConfirmResetAll(true) });
  if (can('licence-configuration.api-users.request')) more.push({ key: 'api', label: t('users.requestApiAccount'), onSelect: () => navigate('/api-accounts?request=new') });

  return (
    <section className="page page-wide">
      <header className="page-header">
        <h1>{t('users.title')}</h1>
        <div className="page-actions">
          {reference.data ? <SeatsUsed reference={reference.data} /> : null}
          {can('licence-configuration.users.create') ? (
            <button type="button" className="button button-primary" onClick={() => navigate(`/users/${NEW}`)}>
              {t('users.create')}
            </button>
          ) : null}
          <MenuButton label={t('common.more')} actions={more} />
        </div>
      </header>
      <div className="master-detail">
        <aside className="master" aria-label={t('users.listLabel')}>
          <UserList selectedId={userId} status={status} onStatus={setStatus} version={listVersion} />
        </aside>
        <div className="detail card">
          <LoadState loaded={reference}>
            {(data) =>
              userId === NEW ? (
                <UserForm
                  user={null}
                  reference={data}
                  onSaved={(user) => {
                    changed();
                    setStatus('active');
                    navigate(`/users/${user.id}`);
                  }}
                  onCancel={() => navigate('/users')}
                />
              ) : userId !== null ? (
                <SelectedUser key={userId} userId={userId} reference={data} onChanged={changed} />
              ) : (
                <p className="muted empty">{t('users.selectHint')}</p>
              )
            }
          </LoadState>
        </div>
      </div>
      <ConfirmDialog
        open={confirmResetAll}
        title={t('users.resetAllTitle')}
        confirmLabel={t('users.resetAllConfirm')}
        danger
        busy={busy}
        onConfirm={() => void resetAllPasswords()}
        onCancel={() => setConfirmResetAll(false)}
      >
        <p>{t('users.resetAllBody')}</p>
      </ConfirmDialog>
    </section>
  );
}

function SeatsUsed({ reference }: { reference: ReferenceData }) {
  const { t } = useTranslation();
  const { seatsUsed, seatLimit } = reference.licence;
  const full = seatsUsed >= seatLimit;
  return (
    <p className={`seats${full ? ' seats-full' : ''}`}>
      {t('users.seats', { used: seatsUsed, limit: seatLimit })}
      <meter min={0} max={seatLimit} value={seatsUsed} high={seatLimit * 0.9} optimum={0} aria-label={t('users.seatsMeter')} />
    </p>
  );
}

function SelectedUser({ userId, reference, onChanged }: { userId: string; reference: ReferenceData; onChanged: () => void }) {
  const loaded = useLoad(() => consoleApi.get<User>(`/users/${userId}`), [userId]);
  const [editing, setEditing] = useState(false);
  return (
    <LoadState loaded={loaded}>
      {(user) =>
        editing ? (
          <UserForm
            user={user}
            reference={reference}
            onSaved={(saved) => {
              loaded.set(saved);
              setEditing(false);
              onChanged();
            }}
            onCancel={() => setEditing(false)}
          />
        ) : (
          <UserDetail
            user={user}
            onEdit={() => setEditing(true)}
            onChanged={(next) => {
              onChanged();
              if (next === null) navigate('/users');
              else loaded.set(next);
            }}
          />
        )
      }
    </LoadState>
  );
}
