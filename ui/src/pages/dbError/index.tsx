// The database did not open (missing file, unreachable server, no key in the keychain). The
// operator sees why, where the console looked, and can fix the location in Settings or retry,
// without signing in: signing in needs the database.
import { useState } from 'react';
import { Button, Descriptions, Result, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CommandError, DbInfo } from '../../bindings';
import AuthFrame from '../../layouts/AuthFrame';
import { errorMessage } from '../../services/ipc';
import { useSessionState } from '../../session';
import DatabaseSettings from '../settings/components/DatabaseSettings';
import Preferences from '../settings/components/Preferences';

interface Props {
  error: CommandError | null;
  db: DbInfo | null;
}

export default function DbErrorPage({ error, db }: Props) {
  const { t } = useTranslation();
  const { refresh } = useSessionState();
  const [settings, setSettings] = useState(false);
  const [retrying, setRetrying] = useState(false);

  const retry = async () => {
    setRetrying(true);
    await refresh();
    setRetrying(false);
  };

  if (settings) {
    return (
      <AuthFrame width={640}>
        <Typography.Title level={4} style={{ marginTop: 0 }}>
          {t('settings.database')}
        </Typography.Title>
        <DatabaseSettings onSaved={() => void refresh()} />
        <Typography.Title level={5}>{t('settings.preferences')}</Typography.Title>
        <Preferences />
        <Button onClick={() => setSettings(false)}>{t('common.back')}</Button>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame width={640}>
      <Result
        status="error"
        title={t('dbError.title')}
        subTitle={<span data-testid="db-error">{error === null ? t('errors.db_unavailable') : errorMessage(error, t)}</span>}
        extra={
          <Space>
            <Button type="primary" onClick={() => setSettings(true)} data-testid="db-error-settings">
              {t('dbError.openSettings')}
            </Button>
            <Button onClick={() => void retry()} loading={retrying}>
              {t('dbError.retry')}
            </Button>
          </Space>
        }
      >
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('dbError.location')}>
            <Typography.Text copyable={db !== null} data-testid="db-url">
              {db?.url ?? t('common.none')}
            </Typography.Text>
          </Descriptions.Item>
          {db !== null && (
            <Descriptions.Item label={t('dbError.backend')}>{t(`backend.${db.backend}`)}</Descriptions.Item>
          )}
          {error !== null && (
            <Descriptions.Item label={t('dbError.detail')}>
              <Typography.Text type="secondary">{error.message}</Typography.Text>
            </Descriptions.Item>
          )}
        </Descriptions>
      </Result>
    </AuthFrame>
  );
}
