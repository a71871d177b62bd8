import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import { navigate } from '../router';
import { useSession } from '../session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { useNotify } from '../ui/feedback';
import { LoadState } from '../ui/LoadState';
import { MenuButton, type MenuAction } from '../ui/MenuButton';
import { useLoad } from '../ui/useLoad';
import { loadReferenceData, type ReferenceData } from './referenceData';
import { UserDetail } from './UserDetail';
import { UserForm } from './UserForm';
import { UserList, type UserStatus } from './UserList';
import { ImportUsers } from './import/ImportUsers';

// The users app of licence admins: the list on the left, the selected user (or the form) on the right.

const NEW = 'new';
const IMPORT = 'import';

export function UsersPage({ userId }: { userId: string | null }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const notify = useNotify();
  const reference = useLoad(loadReferenceData, []);
  const [status, setStatus] = useState<UserStatus>('active');
  const [search, setSearch] = useState('');
  const [listVersion, setListVersion] = useState(0);
  const [confirmResetAll, setConfirmResetAll] = useState(false);
  const seatsFullId = useId();
  const seatsFull = reference.data !== undefined && reference.data.licence.seatsUsed >= reference.data.licence.seatLimit;

  const changed = () => {
    setListVersion((version) => version + 1);
    reference.reload();
  };

  // A refusal (wrong password included) stays in the dialog, under the field it concerns.
  const resetAllPasswords = async ({ currentPassword }: { currentPassword?: string }) => {
    const { count } = await send(consoleApi.POST('/api/v1/users/password-reset', { body: { currentPassword } }));
    setConfirmResetAll(false);
    notify(t('users.resetAllDone', { count }));
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
            // Disabled rather than refused after the whole form: the reason stands beside it.
            <button
              type="button"
              className="button button-primary"
              onClick={() => navigate(`/users/${NEW}`)}
              disabled={seatsFull}
              aria-describedby={seatsFull ? seatsFullId : undefined}
            >
              {t('users.create')}
            </button>
          ) : null}
          {/* The cookie session is enough for a GET: the browser downloads the attachment itself. */}
          <a className="button" href={`/api/v1/users/export?${new URLSearchParams({ status, ...(search ? { q: search } : {}) }).toString()}`} download>
            {t('userImport.export')}
          </a>
          {can('licence-configuration.users.create') ? (
            <button type="button" className="button" onClick={() => navigate(`/users/${IMPORT}`)}>
              {t('userImport.import')}
            </button>
          ) : null}
          <MenuButton label={t('common.more')} actions={more} />
        </div>
        {seatsFull && can('licence-configuration.users.create') ? (
          <p id={seatsFullId} className="page-note seats-full-reason">
            {t('users.seatsFullReason')}
          </p>
        ) : null}
      </header>
      {userId === IMPORT ? <ImportUsers onImported={changed} /> : null}
      <div className="master-detail" hidden={userId === IMPORT}>
        <aside className="master" aria-label={t('users.listLabel')}>
          <UserList selectedId={userId} status={status} onStatus={setStatus} onSearch={setSearch} version={listVersion} />
        </aside>
        <div className="detail card">
          <LoadState loaded={reference}>
            {(data) =>
              userId === NEW && seatsFull ? (
                <p className="muted empty">{t('users.seatsFullReason')}</p>
              ) : userId === NEW ? (
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
              ) : userId !== null && userId !== IMPORT ? (
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
        stepUp
        onConfirm={resetAllPasswords}
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
  const loaded = useLoad(() => send(consoleApi.GET('/api/v1/users/{id}', { params: { path: { id: userId } } })), [userId]);
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
