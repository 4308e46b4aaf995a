// Where the console's data lives: the embedded SQLite file, or a PostgreSQL server shared by the
// group. The password field never shows a saved password: it goes to the OS keychain and only
// "a password is saved" comes back. Saving reconnects; the console then re-checks its status.
import { useEffect } from 'react';
import { Alert, Button, Form, Input, Radio, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { DbInfo, DbSettingsRequest } from '../../../bindings';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../../hooks/useCommand';
import { settingsGet, settingsSetDb } from '../../../services/settings';

type Backend = DbSettingsRequest['backend'];

interface Values {
  backend: Backend;
  sqlite_path: string;
  pg_url: string;
  pg_password: string;
}

/** A URL that carries a password would leak it into settings files and logs. */
export function urlHasPassword(url: string): boolean {
  return /^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(url) || /[?&](ssl)?password=/i.test(url);
}

export default function DatabaseSettings({ onSaved }: { onSaved?: (info: DbInfo) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const current = useCommand(settingsGet, []);
  const save = useSubmit(settingsSetDb);
  const backend = Form.useWatch('backend', form) ?? 'sqlite';

  useEffect(() => {
    const s = current.data;
    if (s === undefined) return;
    form.setFieldsValue({ backend: s.backend, sqlite_path: s.sqlite_path ?? '', pg_url: s.pg_url ?? '', pg_password: '' });
  }, [current.data, form]);

  const onFinish = async (v: Values) => {
    const request: DbSettingsRequest = {
      backend: v.backend,
      sqlite_path: v.backend === 'sqlite' && v.sqlite_path.trim() !== '' ? v.sqlite_path.trim() : null,
      pg_url: v.backend === 'postgres' ? v.pg_url.trim() : null,
      // Empty = keep the saved password.
      pg_password: v.backend === 'postgres' && v.pg_password !== '' ? v.pg_password : null,
    };
    const info = await save.run(request);
    if (info === undefined) return;
    form.setFieldValue('pg_password', '');
    current.reload();
    onSaved?.(info);
  };

  return (
    <Form<Values>
      form={form}
      layout="vertical"
      onFinish={onFinish}
      initialValues={{ backend: 'sqlite', sqlite_path: '', pg_url: '', pg_password: '' }}
      requiredMark={false}
      style={{ maxWidth: 640 }}
    >
      <RefusalAlert error={current.error} />
      <Form.Item name="backend" label={t('settings.backend')}>
        <Radio.Group data-testid="settings-backend">
          <Radio.Button value="sqlite">{t('backend.sqlite')}</Radio.Button>
          <Radio.Button value="postgres">{t('backend.postgres')}</Radio.Button>
        </Radio.Group>
      </Form.Item>
      {backend === 'sqlite' ? (
        <Form.Item name="sqlite_path" label={t('settings.sqlitePath')} extra={t('settings.sqlitePathHint')}>
          <Input autoFocus data-testid="settings-sqlite-path" placeholder={t('settings.sqlitePathPlaceholder')} />
        </Form.Item>
      ) : (
        <>
          <Form.Item
            name="pg_url"
            label={t('settings.pgUrl')}
            extra={t('settings.pgUrlHint')}
            rules={[
              { required: true, message: t('settings.pgUrlRequired') },
              { pattern: /^postgres(ql)?:\/\/\S+$/, message: t('settings.pgUrlFormat') },
              {
                validator: async (_rule, value: unknown) => {
                  if (typeof value === 'string' && urlHasPassword(value)) throw new Error(t('settings.pgUrlPassword'));
                },
              },
            ]}
          >
            <Input autoFocus data-testid="settings-pg-url" placeholder="postgres://onecard@db.example:5432/onecard" />
          </Form.Item>
          <Form.Item
            name="pg_password"
            label={t('settings.pgPassword')}
            extra={
              <>
                {t('settings.pgPasswordKeychain')}{' '}
                {current.data?.pg_password_saved === true && (
                  <Typography.Text type="success">{t('settings.pgPasswordSaved')}</Typography.Text>
                )}
              </>
            }
          >
            <Input.Password data-testid="settings-pg-password" autoComplete="new-password" />
          </Form.Item>
        </>
      )}
      <RefusalAlert error={save.error} testId="settings-error" />
      {save.error === null && !save.pending && current.data !== undefined && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('settings.reconnectNote')} />
      )}
      <Button type="primary" htmlType="submit" loading={save.pending} data-testid="settings-save">
        {t('settings.save')}
      </Button>
    </Form>
  );
}
