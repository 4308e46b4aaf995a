// Sign-in. Demo and sandbox databases tell the screen their credentials (auth_status), which are
// shown with a button to fill them in; a production database never does.
import { useEffect, useState } from 'react';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { AuthStatus } from '../../bindings';
import RefusalAlert from '../../components/RefusalAlert';
import { useSubmit } from '../../hooks/useCommand';
import AuthFrame from '../../layouts/AuthFrame';
import { login, uiReady } from '../../services/auth';
import { useSessionState } from '../../session';

interface Values {
  user: string;
  password: string;
}

export default function LoginPage({ status }: { status: AuthStatus }) {
  const { t } = useTranslation();
  const { signedIn } = useSessionState();
  const [form] = Form.useForm<Values>();
  const submit = useSubmit(login);
  const [attempted, setAttempted] = useState(false);
  // The end of a cold start: the sign-in field takes input now (BENCHMARKS.md measures to here).
  useEffect(uiReady, []);

  const onFinish = async ({ user, password }: Values) => {
    setAttempted(true);
    const session = await submit.run(user.trim(), password);
    if (session !== undefined) signedIn(session);
    else form.setFieldValue('password', '');
  };

  const demo = status.demo_user !== null && status.demo_password !== null;
  return (
    <AuthFrame>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('login.title')}
      </Typography.Title>
      {status.sandbox && <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('login.sandbox')} />}
      {demo && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('login.demo')}
          description={
            <span data-testid="login-demo">
              {t('login.demoCredentials', { user: status.demo_user, password: status.demo_password })}
            </span>
          }
          action={
            <Button
              size="small"
              onClick={() => form.setFieldsValue({ user: status.demo_user ?? '', password: status.demo_password ?? '' })}
            >
              {t('login.fillDemo')}
            </Button>
          }
        />
      )}
      {attempted && <RefusalAlert error={submit.error} testId="login-error" />}
      <Form<Values> form={form} layout="vertical" onFinish={onFinish} requiredMark={false} autoComplete="off">
        <Form.Item name="user" label={t('login.user')} rules={[{ required: true, whitespace: true, message: t('login.userRequired') }]}>
          <Input prefix={<UserOutlined />} autoFocus data-testid="login-user" autoComplete="username" />
        </Form.Item>
        <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
          <Input.Password prefix={<LockOutlined />} data-testid="login-password" autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={submit.pending} data-testid="login-submit">
          {t('login.submit')}
        </Button>
      </Form>
    </AuthFrame>
  );
}
