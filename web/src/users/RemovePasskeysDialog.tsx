import { useTranslation } from 'react-i18next';
import { consoleApi, send } from '../api/client';
import type { User } from '../api/types';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { useNotify } from '../ui/feedback';

// An administrator takes away every passkey of a user who lost their device: they sign in with their
// password (and second factor) again, and can enrol new passkeys.

export function RemovePasskeysDialog({ user, open, onClose }: { user: User; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const remove = async () => {
    await send(consoleApi.DELETE('/api/v1/users/{id}/passkeys', { params: { path: { id: user.id } } }));
    onClose();
    notify(t('passkeys.userRemoved', { login: user.login }));
  };
  return (
    <ConfirmDialog open={open} title={t('passkeys.userRemoveTitle', { login: user.login })} confirmLabel={t('passkeys.userRemoveConfirm')} danger onConfirm={remove} onCancel={onClose}>
      <p>{t('passkeys.userRemoveBody')}</p>
    </ConfirmDialog>
  );
}
