// The frame every page sits in, in the Ant Design Pro style operators know: a dark side menu with
// the product's mark (only the screens the role may open), a header with the breadcrumb and the
// global switches, the page in the content area. Alt+1..9 jumps to the n-th menu entry.
import { Suspense, useEffect, useState } from 'react';
import { CreditCardFilled, FontSizeOutlined, MoonOutlined, SunOutlined } from '@ant-design/icons';
import { Breadcrumb, Button, Layout, Menu, Space, Spin, Tooltip, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { allowedRoutes, menuLabelKey, resolveRoute } from '../access';
import { PAGES } from '../pages';
import { usePreferences } from '../preferences';
import { navigate, useHashRoute } from '../router';
import { useSession } from '../session';
import LanguageSwitch from './LanguageSwitch';
import UserMenu from './UserMenu';

const SIDER_WIDTH = 208;

export default function ShellLayout() {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const session = useSession();
  const prefs = usePreferences();
  const requested = useHashRoute();
  const [collapsed, setCollapsed] = useState(false);
  const routes = allowedRoutes(session.permissions, session.role);
  const route = resolveRoute(requested, session.permissions, session.role);
  const page = PAGES[route];

  // A route the role may not open (or none yet) is replaced by the user's home in the address too.
  useEffect(() => {
    if (requested !== route) navigate(route);
  }, [requested, route]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const n = Number(e.key);
      const target = Number.isInteger(n) && n >= 1 ? routes[n - 1] : undefined;
      if (target !== undefined) {
        e.preventDefault();
        navigate(target);
      }
    };
    globalThis.addEventListener('keydown', onKey);
    return () => globalThis.removeEventListener('keydown', onKey);
  }, [routes]);

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={SIDER_WIDTH} collapsible collapsed={collapsed} onCollapse={setCollapsed}>
        <div className="shell-logo">
          <CreditCardFilled style={{ fontSize: 24, color: token.colorPrimary }} />
          {!collapsed && <span>{t('app.name')}</span>}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[route]}
          onClick={({ key }) => navigate(key)}
          items={routes.map((key, i) => ({
            key,
            icon: PAGES[key].icon,
            title: `${t(menuLabelKey(key))} (Alt+${i + 1})`,
            label: <span data-testid={`menu-${key}`}>{t(menuLabelKey(key))}</span>,
          }))}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header className="shell-header" style={{ background: token.colorBgContainer }}>
          <Breadcrumb items={[{ title: t('app.name') }, { title: t(menuLabelKey(route)) }]} />
          <Space size={16}>
            <Tooltip title={t('shell.simpleMode')}>
              <Button
                type={prefs.simple ? 'primary' : 'text'}
                icon={<FontSizeOutlined />}
                aria-pressed={prefs.simple}
                aria-label={t('shell.simpleMode')}
                onClick={() => prefs.setSimple(!prefs.simple)}
                data-testid="simple-mode"
              />
            </Tooltip>
            <Tooltip title={prefs.theme === 'dark' ? t('shell.themeLight') : t('shell.themeDark')}>
              <Button
                type="text"
                icon={prefs.theme === 'dark' ? <SunOutlined /> : <MoonOutlined />}
                aria-label={prefs.theme === 'dark' ? t('shell.themeLight') : t('shell.themeDark')}
                onClick={() => prefs.setTheme(prefs.theme === 'dark' ? 'light' : 'dark')}
                data-testid="theme-switch"
              />
            </Tooltip>
            <LanguageSwitch />
            <UserMenu />
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>
          <Suspense fallback={<Spin data-testid="page-loading" />}>
            <page.Component key={route} />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
