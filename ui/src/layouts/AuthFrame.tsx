// The frame of the screens before the shell: sign-in, first start, database unavailable. The
// language switch is here too, so an operator can read the login screen in their language.
import type { ReactNode } from 'react';
import { CreditCardFilled } from '@ant-design/icons';
import { Card, Flex, Layout, Space, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import LanguageSwitch from './LanguageSwitch';

export default function AuthFrame({ children, width = 400 }: { children: ReactNode; width?: number }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Flex justify="end" style={{ padding: 16 }}>
        <LanguageSwitch />
      </Flex>
      <Flex vertical align="center" justify="center" style={{ flex: 1, paddingBottom: 64 }}>
        <Space size={12} style={{ marginBottom: 24 }}>
          <CreditCardFilled style={{ fontSize: 36, color: token.colorPrimary }} />
          <div>
            <Typography.Title level={3} style={{ margin: 0 }}>
              {t('app.name')}
            </Typography.Title>
            <Typography.Text type="secondary">{t('app.subtitle')}</Typography.Text>
          </div>
        </Space>
        <Card style={{ width, maxWidth: '92vw' }}>{children}</Card>
      </Flex>
    </Layout>
  );
}
