// Settings: workstation preferences for everyone; the database location for administrators.
import { App, Card, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { can } from '../../access';
import PageTitle from '../../components/PageTitle';
import { useSession, useSessionState } from '../../session';
import DatabaseSettings from './components/DatabaseSettings';
import Preferences from './components/Preferences';

export default function SettingsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const { refresh } = useSessionState();
  const { message } = App.useApp();
  return (
    <>
      <PageTitle>{t('menu.settings')}</PageTitle>
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <Card title={t('settings.preferences')}>
          <Preferences />
        </Card>
        {can(session.permissions, 'administer') && (
          <Card title={t('settings.database')}>
            <DatabaseSettings
              onSaved={(info) => {
                void message.success(t('settings.saved', { url: info.url }));
                // A new database means new users: the shell decides whether this session still holds.
                void refresh();
              }}
            />
          </Card>
        )}
      </Space>
    </>
  );
}
