// Setting another user's password (forgotten password, first sign-in of a new colleague).
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import FormModal from '../../../components/FormModal';
import RefusalAlert from '../../../components/RefusalAlert';
import { useSubmit } from '../../../hooks/useCommand';
import { userSetPassword } from '../../../services/users';
import PasswordFields from './PasswordFields';

export default function SetPasswordDialog({ name, onClose, onDone }: { name: string; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const submit = useSubmit(userSetPassword);
  const onSubmit = async ({ password }: { password: string }) => {
    const r = await submit.run(name, password);
    if (r !== undefined) onDone();
  };
  return (
    <FormModal<{ password: string }>
      open
      title={t('users.setPasswordFor', { name })}
      pending={submit.pending}
      onCancel={onClose}
      onSubmit={onSubmit}
      testId="user-password-dialog"
      footerNote={<RefusalAlert error={submit.error} testId="user-password-error" />}
    >
      <Typography.Paragraph type="secondary">{t('users.setPasswordHint')}</Typography.Paragraph>
      <PasswordFields autoFocus />
    </FormModal>
  );
}
