// A new password typed twice, with the strength hint (the core decides: `weak_password`).
import type { ReactNode } from 'react';
import { Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { passwordStrength } from '../../../utils/validate';

interface Props {
  autoFocus?: boolean;
  /** The core's refusal of the password (`weak_password`), shown under the field. */
  refusal?: { validateStatus?: 'error'; help?: ReactNode };
}

export default function PasswordFields({ autoFocus = false, refusal = {} }: Props) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item
        name="password"
        label={t('users.password')}
        rules={[
          { required: true, message: t('setup.passwordRequired') },
          { min: 8, message: t('setup.passwordMin') },
        ]}
        extra={
          <Form.Item noStyle shouldUpdate={(a, b) => a.password !== b.password}>
            {({ getFieldValue }) => {
              const p = (getFieldValue('password') as string | undefined) ?? '';
              return p === '' ? t('setup.hint') : t(`setup.strength.${passwordStrength(p)}`);
            }}
          </Form.Item>
        }
        {...refusal}
      >
        <Input.Password autoFocus={autoFocus} autoComplete="new-password" data-testid="user-password" />
      </Form.Item>
      <Form.Item
        name="confirm"
        label={t('setup.confirm')}
        dependencies={['password']}
        rules={[
          { required: true, message: t('setup.confirmRequired') },
          ({ getFieldValue }) => ({
            validator: async (_r, v: unknown) => {
              if (v !== undefined && v !== '' && v !== getFieldValue('password')) throw new Error(t('setup.mismatch'));
            },
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" data-testid="user-confirm" />
      </Form.Item>
    </>
  );
}
