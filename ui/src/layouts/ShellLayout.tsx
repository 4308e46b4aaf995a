// The frame every page sits in, in the Ant Design Pro style operators know: a dark side menu with
// the product's mark, a light header with global actions, the page in the content area.
import { useState } from 'react';
import { CreditCardFilled } from '@ant-design/icons';
import { Layout, Menu, Space, theme, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { HOME_PAGE, PAGES } from '../pages';
import LanguageSwitch from './LanguageSwitch';

const SIDER_WIDTH = 208;

export default function ShellLayout() {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [pageKey, setPageKey] = useState(HOME_PAGE.key);
  const [collapsed, setCollapsed] = useState(false);
  const page = PAGES.find((p) => p.key === pageKey) ?? HOME_PAGE;

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={SIDER_WIDTH} collapsible collapsed={collapsed} onCollapse={setCollapsed}>
        <div
          style={{
            height: 64,
            display: 'flex',
            alignItems: 'center',
            gap: 10,
            padding: '0 20px',
            color: '#fff',
            overflow: 'hidden',
            whiteSpace: 'nowrap',
          }}
        >
          <CreditCardFilled style={{ fontSize: 24, color: token.colorPrimary }} />
          {!collapsed && <span style={{ fontSize: 18, fontWeight: 600 }}>{t('app.name')}</span>}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[page.key]}
          onClick={({ key }) => setPageKey(key)}
          items={PAGES.map((p) => ({ key: p.key, icon: p.icon, label: t(p.labelKey) }))}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: token.colorBgContainer,
            padding: '0 24px',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
            boxShadow: '0 1px 4px rgba(0, 21, 41, 0.08)',
          }}
        >
          <Typography.Text type="secondary">{t('app.subtitle')}</Typography.Text>
          <Space>
            <LanguageSwitch />
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>
          <page.Component />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
