// First start of an empty production database: the administrator's password, typed twice. The
// strength bar is only a hint; the core decides (`weak_password`).
import { Alert, Button, Form, Input, Progress, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import RefusalAlert from '../../components/RefusalAlert';
import { useSubmit } from '../../hooks/useCommand';
import AuthFrame from '../../layouts/AuthFrame';
import { setupAdmin } from '../../services/auth';
import { useSessionState } from '../../session';
import { passwordStrength, type PasswordStrength } from '../../utils/validate';

interface Values {
  password: string;
  confirm: string;
}

const STRENGTH: Record<PasswordStrength, { percent: number; color: string }> = {
  weak: { percent: 33, color: '#ff4d4f' },
  fair: { percent: 66, color: '#faad14' },
  strong: { percent: 100, color: '#52c41a' },
};

export default function SetupPage() {
  const { t } = useTranslation();
  const { signedIn } = useSessionState();
  const [form] = Form.useForm<Values>();
  const password = Form.useWatch('password', form) ?? '';
  const submit = useSubmit(setupAdmin);
  const strength = passwordStrength(password);

  const onFinish = async (values: Values) => {
    const session = await submit.run(values.password);
    if (session !== undefined) signedIn(session);
  };

  return (
    <AuthFrame width={440}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('setup.title')}
      </Typography.Title>
      <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('setup.intro')} />
      <RefusalAlert error={submit.error} testId="setup-error" />
      <Form<Values> form={form} layout="vertical" onFinish={onFinish} requiredMark={false}>
        <Form.Item label={t('setup.user')}>
          <Input value="admin" disabled />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('setup.password')}
          rules={[
            { required: true, message: t('setup.passwordRequired') },
            { min: 8, message: t('setup.passwordMin') },
          ]}
          extra={
            password === '' ? (
              t('setup.hint')
            ) : (
              <span>
                <Progress
                  percent={STRENGTH[strength].percent}
                  strokeColor={STRENGTH[strength].color}
                  showInfo={false}
                  size="small"
                />
                {t(`setup.strength.${strength}`)}
              </span>
            )
          }
        >
          <Input.Password autoFocus data-testid="setup-password" autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('setup.confirm')}
          dependencies={['password']}
          rules={[
            { required: true, message: t('setup.confirmRequired') },
            ({ getFieldValue }) => ({
              validator: async (_rule, value: unknown) => {
                if (value !== undefined && value !== '' && value !== getFieldValue('password')) {
                  throw new Error(t('setup.mismatch'));
                }
              },
            }),
          ]}
        >
          <Input.Password data-testid="setup-confirm" autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={submit.pending} data-testid="setup-submit">
          {t('setup.submit')}
        </Button>
      </Form>
    </AuthFrame>
  );
}
