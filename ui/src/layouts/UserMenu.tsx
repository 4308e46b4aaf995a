// The signed-in user in the header: name and role, scopes, and sign-out.
import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Avatar, Dropdown, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSession, useSessionState } from '../session';

export default function UserMenu() {
  const { t } = useTranslation();
  const session = useSession();
  const { signOut } = useSessionState();
  const scopes = session.scopes.length === 0 ? t('users.allScopes') : session.scopes.join(', ');
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: [
          {
            key: 'who',
            disabled: true,
            label: (
              <Space direction="vertical" size={0}>
                <Typography.Text strong>{session.user}</Typography.Text>
                <Typography.Text type="secondary">{t(`roles.${session.role}`)}</Typography.Text>
                <Typography.Text type="secondary">{t('users.scopes')}: {scopes}</Typography.Text>
              </Space>
            ),
          },
          { type: 'divider' },
          {
            key: 'logout',
            icon: <LogoutOutlined />,
            label: <span data-testid="logout">{t('shell.logout')}</span>,
            onClick: () => void signOut(),
          },
        ],
      }}
    >
      <a data-testid="user-menu" role="button" tabIndex={0} style={{ display: 'inline-flex', alignItems: 'center', gap: 8 }}>
        <Avatar size="small" icon={<UserOutlined />} />
        <span>{session.user}</span>
        <Typography.Text type="secondary">{t(`roles.${session.role}`)}</Typography.Text>
      </a>
    </Dropdown>
  );
}
