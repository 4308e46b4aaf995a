// A new console user: name, role, scopes (what they may act on: mall:SH01, region:east,
// merchant:12; none = the whole group) and a first password.
import { Form, Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Role, UserInfo } from '../../../bindings';
import FormModal from '../../../components/FormModal';
import { useFieldRefusal } from '../../../hooks/useFieldRefusal';
import { useSubmit } from '../../../hooks/useCommand';
import RefusalAlert from '../../../components/RefusalAlert';
import { userAdd } from '../../../services/users';
import { isValidScope } from '../../../utils/validate';
import PasswordFields from './PasswordFields';

export const ROLES: readonly Role[] = ['admin', 'operator', 'finance', 'merchant_manager', 'regional_manager', 'auditor'];

interface Values {
  name: string;
  role: Role;
  scopes?: string[];
  password: string;
}

const FIELDS = { user_exists: 'name', invalid_scope: 'scopes', weak_password: 'password' } as const;

export default function AddUserDialog({ onClose, onDone }: { onClose: () => void; onDone: (user: UserInfo) => void }) {
  const { t } = useTranslation();
  const submit = useSubmit(userAdd);
  const refusal = useFieldRefusal(submit.error, FIELDS, 'user-error');
  const onSubmit = async (v: Values) => {
    const user = await submit.run({ name: v.name.trim(), role: v.role, scopes: v.scopes ?? [], password: v.password });
    if (user !== undefined) onDone(user);
  };
  return (
    <FormModal<Values>
      open
      title={t('users.add')}
      okText={t('users.add')}
      pending={submit.pending}
      initialValues={{ role: 'operator', scopes: [] }}
      onCancel={onClose}
      onSubmit={onSubmit}
      onValuesChange={() => submit.error !== null && submit.clearError()}
      testId="user-add-dialog"
      footerNote={<RefusalAlert error={refusal.general} testId="user-error" />}
    >
      <Form.Item name="name" label={t('users.name')} rules={[{ required: true, whitespace: true, message: t('users.nameRequired') }, { pattern: /^[A-Za-z0-9_-]{1,32}$/, message: t('users.nameFormat') }]} {...refusal.itemProps('name')}>
        <Input autoFocus autoComplete="off" data-testid="user-name" />
      </Form.Item>
      <Form.Item name="role" label={t('users.role')}>
        <Select data-testid="user-role" options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
      </Form.Item>
      <Form.Item
        name="scopes"
        label={t('users.scopes')}
        extra={t('users.scopesHint')}
        rules={[
          {
            validator: async (_r, v: unknown) => {
              const bad = Array.isArray(v) ? v.filter((s) => typeof s !== 'string' || !isValidScope(s)) : [];
              if (bad.length > 0) throw new Error(t('users.scopeFormat', { scopes: bad.join(', ') }));
            },
          },
        ]}
        {...refusal.itemProps('scopes')}
      >
        <Select mode="tags" tokenSeparators={[',', ' ']} open={false} suffixIcon={null} placeholder="mall:SH01, region:east, merchant:12" data-testid="user-scopes" />
      </Form.Item>
      <PasswordFields refusal={refusal.itemProps('password')} />
    </FormModal>
  );
}
