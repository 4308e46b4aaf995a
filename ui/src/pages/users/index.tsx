// Users (administrators only): who may sign in, with which role and scopes; lock, unlock, and
// set passwords. Five failed sign-ins lock an account for 15 minutes by themselves.
import { useState } from 'react';
import { App, Button, Card, Space, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { UserInfo } from '../../bindings';
import PageTitle from '../../components/PageTitle';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../hooks/useCommand';
import { userList, userLock, userUnlock } from '../../services/users';
import { useSession } from '../../session';
import { formatDateTime } from '../../utils/format';
import AddUserDialog from './components/AddUserDialog';
import SetPasswordDialog from './components/SetPasswordDialog';

function isLocked(u: UserInfo): boolean {
  return !u.active || (u.locked_until !== null && new Date(u.locked_until).getTime() > Date.now());
}

export default function UsersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const session = useSession();
  const users = useCommand(userList, []);
  const toggle = useSubmit((u: UserInfo) => (isLocked(u) ? userUnlock(u.name) : userLock(u.name)));
  const [adding, setAdding] = useState(false);
  const [passwordFor, setPasswordFor] = useState<string | null>(null);

  const flip = async (u: UserInfo) => {
    const changed = await toggle.run(u);
    if (changed !== undefined) users.reload();
  };

  return (
    <>
      <PageTitle
        extra={
          <Button type="primary" onClick={() => setAdding(true)} data-testid="users-add">
            {t('users.add')}
          </Button>
        }
      >
        {t('menu.users')}
      </PageTitle>
      <Card>
        <RefusalAlert error={users.error ?? toggle.error} testId="users-error" />
        <Table<UserInfo>
          rowKey="name"
          loading={users.loading}
          dataSource={users.data ?? []}
          pagination={false}
          data-testid="users-table"
          columns={[
            { title: t('users.name'), dataIndex: 'name' },
            { title: t('users.role'), dataIndex: 'role', render: (r: string) => t(`roles.${r}`) },
            {
              title: t('users.scopes'),
              dataIndex: 'scopes',
              render: (s: string[]) => (s.length === 0 ? t('users.allScopes') : s.map((x) => <Tag key={x}>{x}</Tag>)),
            },
            {
              title: t('users.state'),
              key: 'state',
              render: (_v, u) =>
                isLocked(u) ? (
                  <Tag color="red">
                    {u.locked_until !== null ? t('users.lockedUntil', { at: formatDateTime(u.locked_until) }) : t('users.locked')}
                  </Tag>
                ) : (
                  <Tag color="green">{t('users.active')}</Tag>
                ),
            },
            { title: t('users.failedAttempts'), dataIndex: 'failed_attempts', align: 'right' },
            {
              key: 'actions',
              title: '',
              render: (_v, u) => (
                <Space>
                  <Button size="small" disabled={u.name === session.user} onClick={() => void flip(u)} data-testid={`user-lock-${u.name}`}>
                    {isLocked(u) ? t('users.unlock') : t('users.lock')}
                  </Button>
                  <Button size="small" onClick={() => setPasswordFor(u.name)} data-testid={`user-set-password-${u.name}`}>
                    {t('users.setPassword')}
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {adding && (
        <AddUserDialog
          onClose={() => setAdding(false)}
          onDone={(u) => {
            setAdding(false);
            void message.success(t('users.added', { name: u.name }));
            users.reload();
          }}
        />
      )}
      {passwordFor !== null && (
        <SetPasswordDialog
          name={passwordFor}
          onClose={() => setPasswordFor(null)}
          onDone={() => {
            void message.success(t('users.passwordSet', { name: passwordFor }));
            setPasswordFor(null);
          }}
        />
      )}
    </>
  );
}
